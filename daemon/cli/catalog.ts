import path from 'node:path';
import { Option, type Command } from 'commander';
import type { DaemonClient } from '../client/client.js';
import { table } from '../client/format.js';
import * as C from '../protocol/catalog.js';
import { SecretsList, SecretsSet } from '../protocol/policy.js';
import { printable } from '../protocol/printable.js';
import { addFlagOptions, addFlagParams, type AddFlags } from './addFlags.js';
import { ask, askHidden } from './prompt.js';

/** What the catalog verbs borrow from the CLI's main module. */
export interface CatalogCliDeps {
  withDaemon<T>(fn: (client: DaemonClient, progressToken: string) => Promise<T>): Promise<T>;
  print(json: boolean, value: unknown, human: () => string): void;
  usage(message: string): Error;
}

const json = () => new Option('--json', 'print machine-readable JSON');

/** `berth catalog [add|rm|ls]`, `berth search`, `berth info`, `berth install`. */
export function registerCatalogCommands(program: Command, deps: CatalogCliDeps): void {
  const catalog = program.command('catalog').description('every entry of every catalog (built-in and added); `berth search TERM` narrows it').addOption(json());
  catalog.action(async (o: { json?: boolean }) => listEntries(deps, undefined, o.json ?? false));

  catalog
    .command('add <file-or-url>')
    .description("add a catalog: a server.json or Docker catalog file, or an MCP registry's base URL (its /v0.1/servers API)")
    .option('--name <name>', 'what to call it (default: the file name or the host)')
    .addOption(json())
    .action(async (location: string, o: { name?: string; json?: boolean }) => {
      const where = /^https?:\/\//i.test(location) ? location : path.resolve(location);
      const r = await deps.withDaemon((c) => c.request(C.CatalogAddSource, { location: where, name: o.name }));
      deps.print(o.json ?? false, r, () => `added catalog ${r.source.name} (${r.source.kind}): ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}${r.unrunnable ? `, ${r.unrunnable} that Berth cannot run (\`berth catalog\` says why)` : ''}`);
    });

  catalog
    .command('rm <name>')
    .description('forget an added catalog (the built-in one stays; servers installed from it stay too)')
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await deps.withDaemon((c) => c.request(C.CatalogRemoveSource, { name }));
      deps.print(o.json ?? false, r, () => `removed catalog ${r.removed}`);
    });

  catalog
    .command('ls')
    .description('the catalogs: built-in, and each one added')
    .addOption(json())
    .action(async (o: { json?: boolean }) => {
      const sources = await deps.withDaemon((c) => c.request(C.CatalogSources, {}));
      deps.print(o.json ?? false, sources, () =>
        table([['CATALOG', 'KIND', 'LOCATION'], [C.BUILT_IN_CATALOG, 'built-in', '(in Berth)'], ...sources.map((s) => [s.name, s.kind, s.location])]),
      );
    });

  program
    .command('search <term>')
    .description("search every catalog's entries (a registry is asked with its own search)")
    .addOption(json())
    .action(async (term: string, o: { json?: boolean }) => listEntries(deps, term, o.json ?? false));

  program
    .command('info <entry>')
    .description('one catalog entry: description, versions, what it needs (secrets, inputs, mounts, network), its tools when known')
    .addOption(json())
    .action(async (ref: string, o: { json?: boolean }) => {
      const { entry, version } = splitVersion(ref);
      const item = await deps.withDaemon((c) => c.request(C.CatalogInfo, { entry, version }));
      deps.print(o.json ?? false, item, () => describe(item));
    });

  addFlagOptions(
    program
      .command('install <entry[@version]>')
      .description('build a catalog entry, test it in a throwaway hardened container, then add it to your spec file')
      .option('--name <name>', 'the server name (default: from the entry)')
      .option('--test', 'run every step but the last: test the entry, add nothing'),
  )
    .addOption(json())
    .action(async (ref: string, o: AddFlags & { name?: string; test?: boolean; json?: boolean }) => {
      const { entry, version } = splitVersion(ref);
      const flags = (() => {
        try {
          return addFlagParams(o);
        } catch (e) {
          throw deps.usage((e as Error).message);
        }
      })();
      const r = await deps.withDaemon(async (c, progressToken) => {
        await askForInputs(c, entry, version, flags);
        return c.request(C.ServersInstall, { entry, version, name: o.name, ...flags, test: o.test, progressToken });
      });
      deps.print(o.json ?? false, r, () => r.steps.map((s) => (s.ok ? `✓ ${s.step === 'build' || s.step === 'install' ? '' : `${s.step}: `}${s.text}` : `✗ ${s.step}: ${s.text}`)).join('\n'));
      const failed = r.steps.find((s) => !s.ok);
      if (failed) throw new Error(`install of ${entry} stopped at ${failed.step}; nothing was added`);
    });
}

async function listEntries(deps: CatalogCliDeps, query: string | undefined, asJson: boolean): Promise<void> {
  const r = await deps.withDaemon((c) => c.request(C.CatalogSearch, { query }));
  deps.print(asJson, r, () =>
    [
      r.entries.length
        ? table([['ENTRY', 'CATALOG', 'SOURCE', 'DESCRIPTION'], ...r.entries.map((e) => [e.id, e.catalog, e.source, e.unrunnable ? `cannot run: ${e.unrunnable}` : firstLine(e.description)])])
        : `no entry matches${query ? ` "${query}"` : ''}`,
      ...r.problems.map((p) => `problem: ${p}`),
    ].join('\n'),
  );
}

/** `name@1.2` → name and version; a leading `@` (an npm scope) is part of the name. */
function splitVersion(ref: string): { entry: string; version?: string } {
  const at = ref.lastIndexOf('@');
  return at > 0 ? { entry: ref.slice(0, at), version: ref.slice(at + 1) } : { entry: ref };
}

function describe(e: C.CatalogItem): string {
  const network = typeof e.network === 'string' ? e.network : `only ${e.network.allow.join(', ')} (egress allowlist)`;
  return [
    `${e.id} (catalog ${e.catalog})`,
    e.description && `  ${e.description}`,
    `source:    ${e.source}`,
    `version:   ${e.version ?? 'unversioned'}${e.versions && e.versions.length > 1 ? ` (all: ${e.versions.join(', ')})` : ''}`,
    `installs:  as ${e.serverName}`,
    e.unrunnable ? `runs:      no, ${e.unrunnable}` : 'runs:      yes',
    `secrets:   ${e.secrets.join(', ') || 'none'}`,
    `inputs:    ${e.inputs.map((i) => `${i.kind === 'env' ? '--env' : '--arg'} ${i.name}${i.required ? '' : ' (optional)'}${i.description ? `: ${i.description}` : ''}`).join('; ') || 'none'}`,
    `mounts:    ${e.mounts.join('; ') || 'none'}`,
    `network:   ${network}`,
    `tools:     ${e.tools ? e.tools.join(', ') || 'none' : 'known once installed (`berth tools NAME`)'}`,
  ]
    .filter(Boolean)
    .map((l) => printable(String(l)))
    .join('\n');
}

/**
 * On a terminal, asks for what the entry needs and was not given: required env inputs (echoed) and
 * secrets set nowhere (silent, stored with `berth secret set`). Without a terminal, the install
 * itself says what is missing.
 */
async function askForInputs(c: DaemonClient, entry: string, version: string | undefined, flags: { env: Record<string, string> }): Promise<void> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return;
  const item = await c.request(C.CatalogInfo, { entry, version });
  if (item.unrunnable) return;
  for (const input of item.inputs.filter((i) => i.kind === 'env' && i.required && flags.env[i.name] === undefined)) {
    const value = await ask(`${input.name}${input.description ? ` (${input.description})` : ''}: `);
    if (value) flags.env[input.name] = value;
  }
  const known = await c.request(SecretsList, {});
  for (const name of item.secrets.filter((s) => !known.some((k) => k.name === s && k.sources.length))) {
    const value = await askHidden(`Secret ${name} (stored by Berth, never in the spec file; empty to skip): `);
    if (value) await c.request(SecretsSet, { name, value });
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}
