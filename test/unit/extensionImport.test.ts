import { describe, expect, it } from 'vitest';
import { importRows, importSummary } from '../../extension/commands/client/importRows.js';
import type { ImportCandidate, ImportResult } from '../../daemon/protocol/clients.js';

function candidate(key: string, o: Partial<ImportCandidate> = {}): ImportCandidate {
  return { client: 'cursor', label: 'Cursor', file: '/home/u/.cursor/mcp.json', scope: 'user', key, server: key, kind: 'npm', summary: `npm @x/${key}@1.0.0`, secrets: [], ...o };
}
const result = (key: string, o: Partial<ImportResult> = {}): ImportResult => ({ ...candidate(key), imported: true, ...o });

describe('import from other clients', () => {
  it('lists each entry with what Berth would make of it, and the ones it would not import with why, apart', () => {
    const { importable, skipped } = importRows([
      candidate('memory'),
      candidate('github', { kind: 'image', label: 'Claude Desktop', summary: 'image ghcr.io/github/github-mcp-server:0.9', secrets: ['GITHUB_PERSONAL_ACCESS_TOKEN'] }),
      candidate('fetch', { kind: 'python', skipped: 'uvx mcp-server-fetch is a Python package' }),
      candidate('tool', { kind: 'other', scope: 'project', project: '/src/app', skipped: 'it runs my-mcp on the host' }),
    ]);
    expect(importable.map((r) => [r.label, r.description, r.detail])).toEqual([
      ['memory', 'Cursor', '→ memory: npm @x/memory@1.0.0'],
      ['github', 'Claude Desktop', "→ github: image ghcr.io/github/github-mcp-server:0.9; GITHUB_PERSONAL_ACCESS_TOKEN moves to Berth's secret store"],
    ]);
    expect(skipped.map((r) => [r.label, r.description, r.detail])).toEqual([
      ['fetch', 'Cursor', '$(circle-slash) uvx mcp-server-fetch is a Python package'],
      ['tool', 'Cursor (project /src/app)', '$(circle-slash) it runs my-mcp on the host'],
    ]);
  });

  it('sums up what came in once per server, and each entry that failed', () => {
    const ok = importSummary([result('memory'), { ...result('memory'), client: 'claude-desktop', label: 'Claude Desktop' }, result('fetch', { imported: false, skipped: 'not chosen' })]);
    expect(ok).toEqual({ failed: false, servers: ['memory'], text: 'Imported memory (stopped); their 2 client entries now run `berth connect`, with a backup beside each file changed.' });
    const bad = importSummary([result('docs', { imported: false, error: 'a server named docs exists already' })]);
    expect(bad).toEqual({ failed: true, servers: [], text: 'Cursor docs: a server named docs exists already.' });
    expect(importSummary([]).text).toBe('Nothing was imported.');
  });
});
