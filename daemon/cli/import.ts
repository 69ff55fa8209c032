import { Option, type Command } from 'commander';
import type { DaemonClient } from '../client/client.js';
import { table } from '../client/format.js';
import { ClientsImport, ClientsImportPlan, type ImportCandidate } from '../protocol/clients.js';
import { ask } from './prompt.js';

interface ImportCliDeps {
  withDaemon<T>(fn: (client: DaemonClient) => Promise<T>): Promise<T>;
  print(json: boolean, value: unknown, human: () => string): void;
}

/** `berth import`: the MCP servers other clients run themselves, brought into Berth and their entries pointed at `berth connect`. */
export function registerImportCommand(program: Command, deps: ImportCliDeps): void {
  program
    .command('import')
    .description("list every MCP server in your clients' configs (Claude Desktop, Cursor, …) with what Berth would make of it; with --yes, add them and point the clients at `berth connect`")
    .option('-y, --yes', 'import without asking')
    .addOption(new Option('--json', 'print machine-readable JSON'))
    .action(async (o: { yes?: boolean; json?: boolean }) => {
      const plan = await deps.withDaemon((c) => c.request(ClientsImportPlan, {}));
      const importable = plan.candidates.filter((c) => !c.skipped);
      const interactive = !o.json && process.stdin.isTTY && process.stderr.isTTY;
      if (!o.yes) {
        deps.print(o.json ?? false, plan, () => planText(plan.candidates, plan.problems));
        if (!importable.length || !interactive) {
          if (importable.length && !o.json) process.stdout.write('run `berth import --yes` to import them\n');
          return;
        }
        const answer = await ask(`Import ${importable.length} entr${importable.length === 1 ? 'y' : 'ies'} and point ${importable.length === 1 ? 'it' : 'them'} at Berth (backups kept)? [y/N] `);
        if (!/^y(?:es)?$/i.test(answer.trim())) return;
      }
      const done = await deps.withDaemon((c) => c.request(ClientsImport, {}));
      deps.print(o.json ?? false, done, () =>
        [
          ...done.results.filter((r) => !r.skipped).map((r) => (r.error ? `✗ ${r.label} ${r.key}: ${r.error}` : `✓ ${r.label} ${r.key} → ${r.server} (${r.summary})${r.backup ? `; backup ${r.backup}` : ''}`)),
          ...done.problems.map((p) => `problem: ${p}`),
          `start them with \`berth start NAME\`; ${done.results.filter((r) => r.skipped).length} entr${done.results.filter((r) => r.skipped).length === 1 ? 'y was' : 'ies were'} left as they are`,
        ].join('\n'),
      );
      if (done.results.some((r) => r.error)) throw new Error('some entries could not be imported (see above)');
    });
}

function planText(candidates: ImportCandidate[], problems: string[]): string {
  if (!candidates.length && !problems.length) return 'no MCP server entries found in any known client config';
  return [
    table([
      ['CLIENT', 'ENTRY', 'SERVER', 'BERTH WOULD'],
      ...candidates.map((c) => [c.scope === 'project' ? `${c.client} (project)` : c.client, c.key, c.skipped ? '-' : c.server, c.skipped ? `skip: ${c.skipped}` : `run ${c.summary}${c.secrets.length ? `; secrets ${c.secrets.join(', ')} to Berth's store` : ''}`]),
    ]),
    ...problems.map((p) => `problem: ${p}`),
  ].join('\n');
}
