import { Option, type Command } from 'commander';
import type { DaemonClient } from '../client/client.js';
import { table } from '../client/format.js';
import { printable } from '../protocol/printable.js';
import { UpdatesApply, UpdatesCheck, UpdatesRollback, UpdatesScan, type UpdateCheck, type UpdateResult } from '../protocol/updates.js';
import { ServersList } from '../protocol/methods.js';
import { ask } from './prompt.js';
import { serverScenarioFiles } from './test.js';

export interface UpdateCliDeps {
  withDaemon<T>(fn: (client: DaemonClient, progressToken: string) => Promise<T>): Promise<T>;
  print(json: boolean, value: unknown, human: () => string): void;
  usage(message: string): Error;
}

const json = () => new Option('--json', 'print machine-readable JSON');

/** `berth update`, `berth rollback`, `berth scan`. */
export function registerUpdateCommands(program: Command, deps: UpdateCliDeps): void {
  program
    .command('update [names...]')
    .description('update servers to the newest version: built beside the running one, tested in a throwaway container, swapped, watched, rolled back by itself if it fails')
    .option('--check', 'only say what is newer (current → available), change nothing')
    .option('--tools', 'with --check: start each newer version in a throwaway container and list the tools it adds and drops')
    .option('--all', 'every server')
    .option('-y, --yes', 'do not ask before a version that adds tools pinning would hold back (they are approved)')
    .addOption(json())
    .action(async (names: string[], o: { check?: boolean; tools?: boolean; all?: boolean; yes?: boolean; json?: boolean }) => {
      if (o.check) {
        if (o.all && names.length) throw deps.usage('give server names or --all, not both');
        const checks = await deps.withDaemon((c, progressToken) => c.request(UpdatesCheck, { names: names.length ? names : undefined, tools: o.tools, progressToken }));
        deps.print(o.json ?? false, checks, () => checkText(checks));
        return;
      }
      if (o.tools) throw deps.usage('--tools goes with --check');
      if ((o.all ?? false) === names.length > 0) throw deps.usage('give the servers to update (NAME…) or --all');
      const target = o.all ? { all: true } : { names };
      // Each server's scenario files in this folder's .berth/tests run against its new version before the swap.
      const tests = o.all ? await allScenarioFiles(deps) : names.flatMap(serverScenarioFiles);
      let results = await deps.withDaemon((c, progressToken) => c.request(UpdatesApply, { ...target, yes: o.yes, tests, progressToken }));
      const waiting = results.filter((r) => r.outcome === 'confirm');
      if (waiting.length && !o.json && process.stdin.isTTY) {
        for (const r of waiting) {
          process.stderr.write(`${r.name}: ${printable(r.message)}\n${toolLines(r).join('\n')}\n`);
          if (!/^y(es)?$/i.test((await ask(`update ${r.name} to ${r.to} and approve its new tools? [y/N] `)).trim())) continue;
          const [again] = await deps.withDaemon((c, progressToken) => c.request(UpdatesApply, { names: [r.name], yes: true, tests: serverScenarioFiles(r.name), progressToken }));
          if (again) results = results.map((x) => (x.name === r.name ? again : x));
        }
      }
      deps.print(o.json ?? false, results, () => results.map(resultLine).join('\n'));
      const failed = results.filter((r) => r.outcome !== 'updated' && r.outcome !== 'current');
      if (failed.length) throw new Error(`${failed.map((r) => r.name).join(', ')} not updated (see above)`);
    });

  program
    .command('rollback <name>')
    .description('go back to the version a server ran before its last update (or --to VERSION, one of those kept)')
    .option('--to <version>', 'a kept version (see `berth logs NAME --grep update`)')
    .addOption(json())
    .action(async (name: string, o: { to?: string; json?: boolean }) => {
      const r = await deps.withDaemon((c, progressToken) => c.request(UpdatesRollback, { name, to: o.to, progressToken }));
      deps.print(o.json ?? false, r, () => resultLine(r));
      if (r.outcome !== 'updated') throw new Error(r.message);
    });

  program
    .command('scan <name>')
    .description("a server's packages and licenses (from the SBOM Berth recorded at build), its hardening, and known advisories where a source answers")
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await deps.withDaemon((c) => c.request(UpdatesScan, { name }));
      deps.print(o.json ?? false, r, () =>
        [
          `${r.name}: ${r.image}${r.digest ? ` (${r.digest})` : ''}`,
          r.sbom ? `SBOM ${r.sbom}: ${r.packages.length} packages` : 'no SBOM: the image was not built by Berth from npm',
          ...(r.packages.length ? [table([['PACKAGE', 'VERSION', 'LICENSES'], ...r.packages.map((p) => [p.name, p.version, p.licenses.join(', ') || '-'])])] : []),
          'hardening:',
          ...r.hardening.map((h) => `  ${h}`),
          r.advisories.available
            ? r.advisories.findings.length
              ? `advisories (${r.advisories.findings.length}):\n${r.advisories.findings.map((f) => `  ${f}`).join('\n')}`
              : 'advisories: none known for these packages'
            : `advisories unavailable: ${r.advisories.reason}`,
        ].join('\n'),
      );
    });
}

/** With --all: the scenario files of every server there is. */
async function allScenarioFiles(deps: UpdateCliDeps): Promise<string[]> {
  const servers = await deps.withDaemon((c) => c.request(ServersList, {}));
  return servers.flatMap((s) => serverScenarioFiles(s.name));
}

function checkText(checks: UpdateCheck[]): string {
  if (!checks.length) return 'no servers';
  const rows = checks.map((c) => [c.name, c.source, c.current ?? '-', c.available ? `→ ${c.available}` : '-', c.change ?? '', c.note ?? '']);
  const tools = checks.filter((c) => c.tools).map((c) => `${c.name}: ${toolsText(c.tools)}`);
  return [table([['NAME', 'SOURCE', 'CURRENT', 'AVAILABLE', 'CHANGE', 'NOTE'], ...rows]), ...tools].join('\n');
}

function toolsText(t: UpdateCheck['tools']): string {
  if (!t || (!t.added.length && !t.removed.length)) return 'the same tools';
  return [t.added.length ? `adds ${t.added.join(', ')}` : '', t.removed.length ? `drops ${t.removed.join(', ')}` : ''].filter(Boolean).join('; ');
}

function toolLines(r: UpdateResult): string[] {
  return [...(r.tools?.added ?? []).map((t) => `  + ${t}`), ...(r.tools?.removed ?? []).map((t) => `  - ${t}`)];
}

function resultLine(r: UpdateResult): string {
  const mark = r.outcome === 'updated' || r.outcome === 'current' ? '✓' : '✗';
  return [`${mark} ${r.message}`, ...toolLines(r)].join('\n');
}
