// What "Import Servers from Other Clients…" shows and says, as plain data. No `vscode` import,
// so it is unit-tested.
import type { ImportCandidate, ImportResult } from '../../../daemon/protocol/clients.js';

export interface ImportRow {
  label: string;
  description: string;
  detail: string;
  candidate: ImportCandidate;
}

/** Each entry with what Berth would make of it; the ones it would not import, with why, apart. */
export function importRows(candidates: readonly ImportCandidate[]): { importable: ImportRow[]; skipped: ImportRow[] } {
  const row = (c: ImportCandidate): ImportRow => ({
    label: c.key,
    description: `${c.label}${c.scope === 'project' ? ` (project ${c.project ?? ''})` : ''}`,
    detail: c.skipped
      ? `$(circle-slash) ${c.skipped}`
      : `→ ${c.server}: ${c.summary}${c.secrets.length ? `; ${c.secrets.join(', ')} move${c.secrets.length === 1 ? 's' : ''} to Berth's secret store` : ''}`,
    candidate: c,
  });
  return { importable: candidates.filter((c) => !c.skipped).map(row), skipped: candidates.filter((c) => c.skipped).map(row) };
}

/** The message after an import: what came in and what could not, one sentence each. */
export function importSummary(results: readonly ImportResult[]): { text: string; failed: boolean; servers: string[] } {
  const done = results.filter((r) => r.imported);
  const failed = results.filter((r) => r.error);
  const servers = [...new Set(done.map((r) => r.server))];
  const parts: string[] = [];
  if (servers.length) {
    parts.push(
      `Imported ${servers.join(', ')} (stopped); ${done.length === 1 ? 'its client entry now runs' : `their ${done.length} client entries now run`} \`berth connect\`, with a backup beside each file changed.`,
    );
  }
  for (const r of failed) parts.push(`${r.label} ${r.key}: ${r.error}.`);
  if (!parts.length) parts.push('Nothing was imported.');
  return { text: parts.join(' '), failed: failed.length > 0, servers };
}
