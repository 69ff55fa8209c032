import path from 'node:path';
import { Option, type Command } from 'commander';
import { ClientId, ClientsList, ClientsRegister, ClientsStatus, ClientsSync, ClientsUnregister, type FileStatus, type WriteResult } from '../protocol/clients.js';
import { ServerName } from '../protocol/spec.js';
import type { DaemonClient } from '../client/client.js';
import { table } from '../client/format.js';

/** What the `clients` verbs borrow from the CLI's main module. */
export interface CliDeps {
  withDaemon<T>(fn: (client: DaemonClient) => Promise<T>): Promise<T>;
  print(json: boolean, value: unknown, human: () => string): void;
  /** An error the CLI reports as bad usage (exit 2). */
  usage(message: string): Error;
}

type Flags = { json?: boolean; servers?: string; project?: string };

/** `--json` is also an option of `berth clients` itself, which claims it wherever it appears. */
const wantsJson = (cmd: Command): boolean => cmd.optsWithGlobals<Flags>().json ?? false;

/** `berth clients [register|unregister|status|sync]`: Berth's entries in other MCP clients' config files. */
export function registerClientsCommand(program: Command, deps: CliDeps): void {
  const json = () => new Option('--json', 'print machine-readable JSON');
  const clientId = (v: string) => {
    const r = ClientId.safeParse(v);
    if (!r.success) throw deps.usage(`unknown client "${v}"; Berth knows ${ClientId.options.join(', ')}`);
    return r.data;
  };
  const servers = (v: string | undefined) => {
    if (v === undefined) return undefined;
    const names = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = names.find((n) => !ServerName.safeParse(n).success);
    if (bad !== undefined || !names.length) throw deps.usage(`--servers needs server names separated by commas, like ev,memory${bad ? `; "${bad}" is not one` : ''}`);
    return names;
  };
  // The daemon runs elsewhere: a relative folder is resolved here, against the caller's directory.
  const project = (v: string | undefined) => (v === undefined ? undefined : path.resolve(v));

  const clients = program
    .command('clients')
    .description('the MCP clients Berth can register with (Claude Desktop, Cursor, …), installed or not, and whether their files are in sync')
    .addOption(json());
  clients.action(async (o: Flags) => {
    const all = await deps.withDaemon((c) => c.request(ClientsList, {}));
    deps.print(o.json ?? false, all, () =>
      table([
        ['CLIENT', 'INSTALLED', 'SERVERS', 'STATE', 'FILE'],
        ...all.map((c) => [
          c.scope === 'project' ? `${c.client} (project)` : c.client,
          c.installed ? 'yes' : 'no',
          c.servers.join(',') || '-',
          c.servers.length ? (c.inSync ? 'in sync' : 'drift') : '-',
          c.file,
        ]),
      ]),
    );
  });

  clients
    .command('register <client>')
    .description("write Berth's entries (`berth connect NAME`) into a client's config file, keeping everything else in it")
    .option('--servers <a,b>', 'only these servers (default: every server)')
    .option('--project <dir>', "the client's file in this project folder (Cursor, Claude Code, VS Code)")
    .addOption(json())
    .action(async (id: string, o: Flags, cmd: Command) => {
      const params = { client: clientId(id), servers: servers(o.servers), project: project(o.project) };
      const r = await deps.withDaemon((c) => c.request(ClientsRegister, params));
      deps.print(wantsJson(cmd), r, () =>
        r.written.length ? `registered ${r.written.join(', ')} with ${r.label} in ${r.file}${backupNote(r)}` : `${r.label} already has these entries in ${r.file}`,
      );
    });

  clients
    .command('unregister <client>')
    .description("remove Berth's entries from a client's config file")
    .option('--servers <a,b>', 'only these servers (default: all of Berth’s entries)')
    .option('--project <dir>', "the client's file in this project folder")
    .addOption(json())
    .action(async (id: string, o: Flags, cmd: Command) => {
      const params = { client: clientId(id), servers: servers(o.servers), project: project(o.project) };
      const r = await deps.withDaemon((c) => c.request(ClientsUnregister, params));
      deps.print(wantsJson(cmd), r, () => (r.removed.length ? `removed ${r.removed.join(', ')} from ${r.file}${backupNote(r)}` : `no entries of Berth's in ${r.file}`));
    });

  clients
    .command('status [client]')
    .description("drift in the files Berth wrote: entries edited or removed by hand, a stale command, servers that are gone")
    .addOption(json())
    .action(async (id: string | undefined, _o: Flags, cmd: Command) => {
      const files = await deps.withDaemon((c) => c.request(ClientsStatus, { client: id === undefined ? undefined : clientId(id) }));
      deps.print(wantsJson(cmd), files, () => (files.length ? files.map(fileReport).join('\n') : 'Berth has not registered with any client yet; see `berth clients register --help`'));
    });

  clients
    .command('sync [client]')
    .description('repair drift: rewrite edited, removed or stale entries and drop those of removed servers')
    .addOption(json())
    .action(async (id: string | undefined, _o: Flags, cmd: Command) => {
      const results = await deps.withDaemon((c) => c.request(ClientsSync, { client: id === undefined ? undefined : clientId(id) }));
      deps.print(wantsJson(cmd), results, () => (results.length ? results.map(syncReport).join('\n') : 'nothing to sync: Berth has not registered with any client yet'));
      const failed = results.filter((r) => r.error);
      if (failed.length) throw new Error(`${failed.length} file${failed.length > 1 ? 's' : ''} could not be repaired: ${failed.map((r) => r.error).join('; ')}`);
    });
}

function backupNote(r: WriteResult): string {
  return r.backup ? ` (previous file kept as ${r.backup})` : '';
}

function fileReport(f: FileStatus): string {
  const head = `${f.file} (${f.label}${f.project ? `, project ${f.project}` : ''})`;
  if (f.error) return `${head}\n  error: ${f.error}`;
  return [head, ...f.entries.map((e) => `  ${e.key.padEnd(24)} ${e.state}${e.detail ? ` — ${e.detail}` : ''}`)].join('\n');
}

function syncReport(r: WriteResult): string {
  if (r.error) return `${r.file}: not repaired — ${r.error}`;
  const did = [r.written.length ? `rewrote ${r.written.join(', ')}` : '', r.removed.length ? `removed ${r.removed.join(', ')}` : ''].filter(Boolean);
  return `${r.file}: ${did.length ? did.join('; ') : 'in sync'}${backupNote(r)}`;
}
