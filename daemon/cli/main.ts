import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { berthPaths } from '../protocol/paths.js';
import { isProcessAlive } from '../processAlive.js';
import * as M from '../protocol/methods.js';
import type { LogLine, ServerStatus } from '../protocol/status.js';
import { parseDuration } from '../servers/units.js';
import { VERSION } from '../protocol/version.js';
import { connectDaemon, withDaemon, type DaemonClient } from '../client/client.js';
import { registerClientsCommand } from './clients.js';
import { addFlagOptions, addFlagParams, collect, type AddFlags } from './addFlags.js';
import { registerCatalogCommands } from './catalog.js';
import { registerImportCommand } from './import.js';
import { registerHostCommands } from './host.js';
import { registerSecretCommands, registerToolPinCommands } from './secret.js';
import { runConnect } from './connect.js';
import { registerMetricsCommands } from './metrics.js';
import { AlertsList } from '../protocol/metrics.js';
import { registerTestCommand } from './test.js';
import { describeProvenance, serverRows, table } from '../client/format.js';
import { registerUpdateCommands } from './update.js';
import { jsonText, printable } from '../protocol/printable.js';

/** Exit codes: 0 success, 1 failure (one line on stderr), 2 bad usage. */
class UsageError extends Error {}

/** How `berth daemon` reaches the daemon's own bundle (the entry point loads it only for that verb). */
export type LoadDaemon = () => Promise<{ runDaemonCommand(): Promise<never> }>;

export async function main(argv: string[], loadDaemon: LoadDaemon): Promise<number> {
  const program = buildProgram(loadDaemon);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`berth: ${printable(e.message)}\n`);
      return 2;
    }
    // The reason may quote a server, a client or the engine: one line, no terminal escapes.
    process.stderr.write(`berth: ${printable(oneLine((e as Error).message))}\n`);
    return 1;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Output quotes servers (results, descriptions, errors): no control character reaches the terminal
 * raw. Human output keeps its line breaks; a field that must stay one line escapes its own first.
 */
function print(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(`${json ? jsonText(value, 2) : printable(human(), { keepNewlines: true })}\n`);
}

function buildProgram(loadDaemon: LoadDaemon): Command {
  const program = new Command('berth')
    .description('Run MCP servers in containers and use them from every MCP client.')
    .version(VERSION, '-v, --version')
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });
  const json = new Option('--json', 'print machine-readable JSON');

  const daemon = program
    .command('daemon')
    .description('run the Berth daemon in the foreground (`berth daemon stop` stops the running one)')
    .action(async () => {
      await (await loadDaemon()).runDaemonCommand();
    });
  daemon
    .command('stop')
    .description('stop the running daemon; servers keep running and the next daemon adopts them')
    .action(async () => {
      const paths = berthPaths();
      const client = await connectDaemon(paths, 'berth-cli', false).catch(() => undefined);
      if (!client) return void process.stdout.write('no daemon is running\n');
      const { pid } = await client.request(M.DaemonStatus, {});
      // Its reply may lose the race with its exit; whether it stopped is told by the process itself.
      await client.request(M.DaemonShutdown, {}).catch(() => undefined);
      client.close();
      // Back once the process is gone, so a script can start a new daemon right after.
      for (let i = 0; i < 300 && isProcessAlive(pid); i++) await new Promise((r) => setTimeout(r, 100));
      if (isProcessAlive(pid)) throw new Error(`the daemon (pid ${pid}) did not stop within 30 s; end it with \`kill ${pid}\` (servers keep running)`);
      process.stdout.write(`stopped the daemon (pid ${pid}); servers keep running\n`);
    });

  registerCatalogCommands(program, { withDaemon, print, usage: (m) => new UsageError(m) });

  addFlagOptions(
    program
      .command('add <name>')
      .description('add a server from the built-in catalog, any image, a git repository or a folder (`berth install` tests an entry of any catalog first)')
      .option('--catalog <entry>', 'a built-in catalog entry (see `berth catalog`)')
      .option('--image <image>', 'any image that speaks MCP over stdio; pulled when the engine lacks it')
      .option('--git <url>', 'a git repository: its Dockerfile is built, or its Node package like an npm one')
      .option('--ref <ref>', 'with --git: the branch, tag or commit (HEAD by default)')
      .option('--path <dir>', 'with --git: the folder inside the repository to build')
      .option('--folder <path>', 'a folder on this machine: its Dockerfile is built, or its Node package like an npm one'),
  )
    .addOption(json)
    .action(async (name: string, o: AddFlags & { catalog?: string; image?: string; git?: string; ref?: string; path?: string; folder?: string; json?: boolean }) => {
      if ([o.catalog, o.image, o.git, o.folder].filter((x) => x !== undefined).length !== 1) throw new UsageError('give exactly one of --catalog ENTRY, --image IMAGE, --git URL or --folder PATH');
      if ((o.ref !== undefined || o.path !== undefined) && o.git === undefined) throw new UsageError('--ref and --path go with --git');
      const flags = usage(() => addFlagParams(o));
      const build = o.git !== undefined ? { git: o.git, ref: o.ref, path: o.path } : o.folder !== undefined ? { folder: path.resolve(o.folder) } : undefined;
      const status = await withDaemon((c, progressToken) => c.request(M.ServersAdd, { name, catalog: o.catalog, image: o.image, build, ...flags, progressToken }));
      print(o.json ?? false, status, () => `added ${status.name} (${status.phase})`);
    });

  program
    .command('build <name>')
    .description("build a server's image from its source (npm package, git repository or folder), or pull its image")
    .option('--force', 'rebuild even if the image exists')
    .addOption(json)
    .action(async (name: string, o: { force?: boolean; json?: boolean }) => {
      const r = await withDaemon((c, progressToken) => c.request(M.ServersBuild, { name, force: o.force, progressToken }));
      print(o.json ?? false, r, () => `built ${r.image}`);
    });

  const lifecycle: [string, string, (c: DaemonClient, name: string, progressToken?: string) => Promise<ServerStatus>][] = [
    ['start', 'started', (c, name, progressToken) => c.request(M.ServersStart, { name, progressToken })],
    ['stop', 'stopped', (c, name) => c.request(M.ServersStop, { name })],
    ['restart', 'restarted', (c, name, progressToken) => c.request(M.ServersRestart, { name, progressToken })],
  ];
  for (const [verb, past, run] of lifecycle) {
    program
      .command(`${verb} <name>`)
      .description(`${verb} a server`)
      .option('--host <name>', 'only if the server is on this host')
      .addOption(json)
      .action(async (name: string, o: { host?: string; json?: boolean }) => {
        const status = await withDaemon(async (c, progressToken) => {
          const [current] = o.host === undefined ? [] : await c.request(M.ServersList, { name });
          if (current && current.host !== o.host) throw new Error(`server ${name} is on host ${current.host}, not ${o.host}`);
          return run(c, name, progressToken);
        });
        print(o.json ?? false, status, () => `${past} ${status.name} (${status.phase})`);
      });
  }

  program
    .command('rm <name>')
    .description('stop a server, remove its container and its entry in the spec file (its state volume only with --volumes)')
    .option('--volumes', "also remove the server's state volume (the data it keeps, such as memory's graph)")
    .addOption(json)
    .action(async (name: string, o: { json?: boolean; volumes?: boolean }) => {
      const r = await withDaemon((c) => c.request(M.ServersRemove, { name, volumes: o.volumes ?? false }));
      print(o.json ?? false, r, () =>
        r.keptVolume
          ? `removed ${r.removed}; kept its state volume ${r.keptVolume} (adding ${r.removed} again uses it; \`berth rm ${r.removed} --volumes\` would have removed it, \`docker volume rm ${r.keptVolume}\` removes it now)`
          : `removed ${r.removed}`,
      );
    });

  program
    .command('status [name]')
    .description('the daemon, the engine and every server')
    .addOption(json)
    .action(async (name: string | undefined, o: { json?: boolean }) => {
      const { daemon, servers, alerts } = await withDaemon(async (c) => ({
        daemon: await c.request(M.DaemonStatus, {}),
        servers: await c.request(M.ServersList, { name }),
        alerts: (await c.request(AlertsList, { name })).open,
      }));
      const value = { daemon: { pid: daemon.pid, version: daemon.version, specFile: daemon.userSpecFile }, engine: daemon.engine, specErrors: daemon.specErrors, notices: daemon.notices, servers, alerts };
      print(o.json ?? false, value, () =>
        [
          `daemon ${daemon.version} (pid ${daemon.pid}); engine: ${printable(daemon.engine.ok ? `Docker ${daemon.engine.version}` : (daemon.engine.error ?? ''))}`,
          ...daemon.specErrors.map((e) => `spec error: ${printable(e)} (what runs is left as it is until the file is fixed)`),
          ...daemon.notices.map((n) => `notice: ${printable(n)}`),
          servers.length ? table(serverRows(servers)) : 'no servers yet; add one with `berth add NAME --catalog everything`',
          ...servers.filter((s) => s.message).map((s) => `${s.name}: ${printable(s.message ?? '')}`),
          ...servers.flatMap((s) => (s.approval ? [`${s.name}: ${s.approval.state === 'refused' ? 'refused' : 'needs approval'}: ${printable(s.approval.reason)}`, ...(s.approval.asks ?? []).map((a) => `  asks for: ${printable(a)}`)] : [])),
          // The source of each, when one server is asked about: a table has no room for URLs and hashes.
          ...(name ? servers.map((s) => `${s.name}: from ${printable(s.provenance ? describeProvenance(s.provenance) : s.image)}`) : []),
          ...servers.filter((s) => s.update).map((s) => `${s.name}: update available: ${s.update?.current} → ${s.update?.available} (\`berth update ${s.name}\`)`),
          ...alerts.map((a) => `alert: ${a.server}: ${a.rule}: ${printable(a.message)} (since ${new Date(a.firedAt).toISOString()}; berth alerts)`),
        ].join('\n'),
      );
    });

  program
    .command('logs <name>')
    .description("a server's stderr and Berth's notes about it")
    .option('-n, --lines <n>', 'how many lines from the end', (v) => positiveInt(v, '--lines'))
    .option('--since <duration>', 'only lines newer than this, like 10m or 2h')
    .option('--grep <regex>', 'only lines matching this regular expression (RE2 syntax: no backreferences or lookaround)')
    .option('-f, --follow', 'keep printing new lines')
    .addOption(json)
    .action(async (name: string, o: { lines?: number; since?: string; grep?: string; follow?: boolean; json?: boolean }) => {
      const since = o.since === undefined ? undefined : Date.now() - usage(() => parseDuration(o.since ?? ''));
      const client = await connectDaemon(berthPaths(), 'berth-cli');
      const show = (l: LogLine) => process.stdout.write(`${o.json ? jsonText(l) : humanLine(l)}\n`);
      try {
        const lines = await client.request(M.LogsQuery, { name, lines: o.lines ?? (o.follow ? 20 : undefined), since, grep: o.grep });
        // --json: one array for a query; JSON lines when following, so each can be read as it comes.
        if (!o.follow) {
          print(o.json ?? false, lines, () => lines.map(humanLine).join('\n'));
          return;
        }
        lines.forEach(show);
        client.on(M.LogsDidAppend, (p) => p.lines.forEach(show));
        await client.request(M.LogsFollow, { name, grep: o.grep });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
          client.connection.onClose(resolve);
        });
      } finally {
        client.close();
      }
    });

  program
    .command('tools <name>')
    .description('the tools, prompts and resources a server offers')
    .addOption(json)
    .action(async (name: string, o: { json?: boolean }) => {
      const caps = await withDaemon((c) => c.request(M.ServersCapabilities, { name }));
      print(o.json ?? false, caps, () =>
        [
          ...caps.tools.map((t) => `tool      ${printable(t.name)}${t.description ? ` — ${printable(firstLine(t.description))}` : ''}`),
          ...caps.prompts.map((p) => `prompt    ${printable(p.name)}${p.description ? ` — ${printable(firstLine(p.description))}` : ''}`),
          ...caps.resources.map((r) => `resource  ${printable(r.uri)}${r.name ? ` (${printable(r.name)})` : ''}`),
        ].join('\n'),
      );
    });

  program
    .command('call <name> <tool> [json-args]')
    .description('call a tool with JSON arguments and print its result')
    .addOption(json)
    .action(async (name: string, tool: string, rawArgs: string | undefined, o: { json?: boolean }) => {
      let args: Record<string, unknown> | undefined;
      if (rawArgs !== undefined) {
        try {
          const parsed: unknown = JSON.parse(rawArgs);
          if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
          args = parsed as Record<string, unknown>;
        } catch {
          throw new UsageError(`the tool arguments must be a JSON object, like '{"message":"hi"}'`);
        }
      }
      const result = await withDaemon((c) => c.request(M.ServersCallTool, { name, tool, arguments: args }));
      print(o.json ?? false, result, () =>
        result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n'),
      );
      if (result.isError) throw new Error(`tool ${tool} reported an error`);
    });

  const workspace = program
    .command('workspace')
    .description("workspace folders whose .berth/servers.yaml is loaded beside your own spec file")
    .addOption(json)
    .action(async (o: { json?: boolean }) => {
      const list = await withDaemon((c) => c.request(M.WorkspacesList, {}));
      print(o.json ?? false, list, () => (list.length ? list.map((w) => `${w.folder}  (${w.specFile})`).join('\n') : 'no workspaces; add one with `berth workspace add DIR`'));
    });
  workspace
    .command('add [dir]')
    .description('load DIR/.berth/servers.yaml (default: this folder); only add folders you trust')
    .action(async (dir: string | undefined) => {
      const folder = path.resolve(dir ?? '.');
      await withDaemon((c) => c.request(M.WorkspacesAdd, { folder }));
      process.stdout.write(`loading ${folder}/.berth/servers.yaml\n`);
    });
  workspace
    .command('approve <dir> [server]')
    .description("let DIR's servers (or SERVER) run with what they ask for now: image, mounts, network, your secrets, relaxed hardening; a change to those asks again")
    .addOption(json)
    .action(async (dir: string, server: string | undefined, o: { json?: boolean }) => {
      const folder = path.resolve(dir);
      const r = await withDaemon((c) => c.request(M.WorkspacesApprove, { folder, server }));
      print(o.json ?? false, r, () =>
        [
          ...r.approved.flatMap((a) => [`approved ${a.name} from ${folder}; it gets:`, ...a.asks.map((line) => `  ${line}`)]),
          ...r.refused.map((reason) => `refused: ${reason}`),
          ...(r.approved.length || r.refused.length ? [] : [`${workspaceSpecFileOf(folder)} defines no servers`]),
        ].join('\n'),
      );
      if (!r.approved.length && r.refused.length) throw new Error(`no server of ${folder} was approved`);
    });
  workspace
    .command('rm <dir>')
    .description("stop loading DIR's servers (they are stopped and removed)")
    .action(async (dir: string) => {
      const folder = path.resolve(dir);
      await withDaemon((c) => c.request(M.WorkspacesRemove, { folder }));
      process.stdout.write(`forgot ${folder}\n`);
    });

  program
    .command('endpoint [name]')
    .description('the gateway URL and headers for a server, or for the aggregate endpoint without a name')
    .option('--servers <a,b>', 'aggregate endpoint: only these servers')
    .option('--tools <server__tool,...>', 'aggregate endpoint: only these tools')
    .addOption(json)
    .action(async (name: string | undefined, o: { servers?: string; tools?: string; json?: boolean }) => {
      const split = (v?: string) => v?.split(',').map((s) => s.trim()).filter(Boolean);
      const e = await withDaemon((c) => c.request(M.GatewayEndpoint, { name, servers: split(o.servers), tools: split(o.tools) }));
      print(o.json ?? false, e, () => [e.url, ...Object.entries(e.headers).map(([k, v]) => `${k}: ${v}`)].join('\n'));
    });

  program
    .command('connect <name>')
    .description('serve one Berth server as MCP over stdio, for clients that spawn processes (shares its one container)')
    .action(async (name: string) => {
      await runConnect({ name });
    });

  program
    .command('mcp')
    .description("serve Berth's own tools (manage servers and Docker) as MCP over stdio; read-only unless --allow-write")
    .option('--allow-write', 'offer the tools that change things (create, start, stop, remove, pull, build…)')
    .option('--enable <tool>', 'turn on a tool that is off unless named (execute_command_in_container, copy_files_to_container, copy_files_from_container, build_image); repeatable', collect, [])
    .addOption(new Option('--scope <scope>', 'which containers the Docker tools see').choices(['managed', 'all']).default('managed'))
    .option('--no-confirm', 'run destructive calls without asking the user first (MCP elicitation)')
    .option('--mount-root <dir>', 'a host folder (with what is inside it) the Docker tools may mount or build from, besides the workspace folders; repeatable', collect, [])
    .action(async (o: { allowWrite?: boolean; enable: string[]; scope: 'managed' | 'all'; confirm: boolean; mountRoot: string[] }) => {
      const roots = o.mountRoot.map((d) => path.resolve(d));
      await runConnect({ berth: { allowWrite: o.allowWrite ?? false, enable: o.enable, scope: o.scope, confirmDestructive: o.confirm, mountRoots: roots } });
    });

  registerClientsCommand(program, { withDaemon, print, usage: (m) => new UsageError(m) });
  registerImportCommand(program, { withDaemon, print });
  registerHostCommands(program);
  registerSecretCommands(program, { withDaemon, print, usage: (m) => new UsageError(m) });
  registerToolPinCommands(program, { withDaemon, print, usage: (m) => new UsageError(m) });
  registerMetricsCommands(program, { withDaemon, print });
  registerTestCommand(program, { usage: (m) => new UsageError(m) });
  registerUpdateCommands(program, { withDaemon, print, usage: (m) => new UsageError(m) });
  return program;
}

/** A flag value that does not parse is bad usage (exit 2), said in the parser's own words. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function positiveInt(v: string, flag: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a whole number above 0, not "${v}"`);
  return n;
}

/** One record, one line: the stream names who wrote it, and what a server wrote cannot start a line of its own. */
function humanLine(l: LogLine): string {
  return `${new Date(l.t).toISOString()} ${l.stream.padEnd(6)} ${printable(l.text)}`;
}

function workspaceSpecFileOf(folder: string): string {
  return path.join(folder, '.berth', 'servers.yaml');
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? '';
}
