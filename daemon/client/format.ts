import type { Alert } from '../protocol/alerts.js';
import type { Provenance, ServerStatus } from '../protocol/status.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** A plain table: columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')).join('\n');
}

/** One line for people: `npm @x/y@1.2.3`, `git URL at 1a2b3c4 (path)`, `folder /p (sha256:…)`, `image r@sha256:…`. */
export function describeProvenance(p: Provenance): string {
  switch (p.kind) {
    case 'npm':
      return `npm ${p.package}@${p.version}`;
    case 'git':
      return `git ${p.url} at ${p.commit.slice(0, 12)}${p.path ? ` (${p.path})` : ''}`;
    case 'folder':
      return `folder ${p.path} (${p.contentHash.slice(0, 19)})`;
    case 'image':
      return `image ${p.ref}${p.digest ? ` (${p.digest.slice(0, 19)})` : ''}`;
    case 'remote':
      return `remote ${p.url} (hosted elsewhere, not a container)`;
    case 'external':
      return `external command ${p.command} (runs on this machine, not isolated)`;
  }
}

export function serverRows(servers: ServerStatus[]): string[][] {
  return [
    ['NAME', 'HOST', 'PHASE', 'CONTAINER', 'CPU', 'MEMORY', 'TOOLS', 'MCP', 'IMAGE'],
    ...servers.map((s) => [
      s.name,
      s.host,
      phaseText(s),
      s.containerId?.slice(0, 12) ?? '-',
      s.stats ? `${s.stats.cpuPercent.toFixed(1)}%` : '-',
      s.stats ? formatBytes(s.stats.memoryBytes) : '-',
      s.capabilities ? String(s.capabilities.tools.length) : '-',
      s.protocol?.version ?? '-',
      s.kind === 'remote' ? `remote ${s.image}` : s.kind === 'external' ? `not isolated: ${s.image}` : s.image,
    ]),
  ];
}

/** The phase as a person reads it: a crash loop is said beside it. */
/** A server's phase as a person reads it: a workspace server's approval first, then a crash loop. */
export function phaseText(s: ServerStatus): string {
  if (s.approval) return s.approval.state === 'refused' ? 'refused' : 'needs approval';
  return s.crashLoop ? `${s.phase} (crash loop)` : s.phase;
}

/** `berth top`: one row per server, like `docker stats`. */
export function topRows(servers: ServerStatus[], alerts: Alert[]): string[][] {
  const open = (name: string) => alerts.filter((a) => a.server === name && a.clearedAt === undefined).length;
  return [
    ['NAME', 'HOST', 'PHASE', 'CPU %', 'MEM USAGE / LIMIT', 'MEM %', 'NET I/O', 'PIDS', 'RESTARTS', 'ALERTS'],
    ...servers.map((s) => {
      const st = s.stats;
      return [
        s.name,
        s.host,
        phaseText(s),
        st ? `${st.cpuPercent.toFixed(2)}%` : '-',
        st ? `${formatBytes(st.memoryBytes)} / ${formatBytes(st.memoryLimitBytes)}` : '-',
        st && st.memoryLimitBytes > 0 ? `${((st.memoryBytes / st.memoryLimitBytes) * 100).toFixed(2)}%` : '-',
        st ? `${formatBytes(st.networkRxBytes)} / ${formatBytes(st.networkTxBytes)}` : '-',
        st ? String(st.pids) : '-',
        String(s.restartCount),
        String(open(s.name)),
      ];
    }),
  ];
}

/** `berth alerts`: open ones first, then the cleared ones, newest first. */
export function alertRows(alerts: Alert[]): string[][] {
  const time = (t: number) => new Date(t).toISOString().replace('T', ' ').slice(0, 19);
  return [
    ['STATE', 'SERVER', 'RULE', 'FIRED', 'CLEARED', 'MESSAGE'],
    ...alerts.map((a) => [a.clearedAt === undefined ? 'OPEN' : 'cleared', a.server, a.rule, time(a.firedAt), a.clearedAt === undefined ? '-' : time(a.clearedAt), a.message]),
  ];
}
