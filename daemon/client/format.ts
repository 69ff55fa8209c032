import type { ServerStatus } from '../protocol/status.js';

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

export function serverRows(servers: ServerStatus[]): string[][] {
  return [
    ['NAME', 'HOST', 'PHASE', 'CONTAINER', 'CPU', 'MEMORY', 'TOOLS', 'MCP', 'IMAGE'],
    ...servers.map((s) => [
      s.name,
      s.host,
      s.phase,
      s.containerId?.slice(0, 12) ?? '-',
      s.stats ? `${s.stats.cpuPercent.toFixed(1)}%` : '-',
      s.stats ? formatBytes(s.stats.memoryBytes) : '-',
      s.capabilities ? String(s.capabilities.tools.length) : '-',
      s.protocol?.version ?? '-',
      s.image,
    ]),
  ];
}
