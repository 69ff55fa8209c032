import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-fs';
import { z } from 'zod';
import { demuxBuffer } from '../../hosts/dockerRuntime.js';
import { LOCAL_HOST } from '../../protocol/hosts.js';
import { boundText, cutNote, lastLines, MAX_LINES, MAX_TEXT_BYTES } from '../bounded.js';
import { defineTool, ToolFailure } from '../tool.js';
import { checkHostPath, ContainerPath, ContainerRef, engineCall, engineOf, findContainer, refuseServerInside, statusCode } from './engine.js';

/** The most a copy carries either way: an agent moves files it reads, not disks. */
export const MAX_COPY_BYTES = 100 * 1024 * 1024;
/** The most of one log line a result carries. */
const MAX_LINE_BYTES = 8 * 1024;
/** The longest `monitor_container_logs` waits for more lines. */
const MAX_WINDOW_SECONDS = 30;


const Stats = z.object({
  cpu_stats: z.object({ cpu_usage: z.object({ total_usage: z.number() }), system_cpu_usage: z.number().optional(), online_cpus: z.number().optional() }),
  precpu_stats: z.object({ cpu_usage: z.object({ total_usage: z.number() }), system_cpu_usage: z.number().optional() }),
  memory_stats: z.object({ usage: z.number().optional(), limit: z.number().optional(), stats: z.record(z.string(), z.number()).optional() }),
  pids_stats: z.object({ current: z.number().optional() }).optional(),
  networks: z.record(z.string(), z.object({ rx_bytes: z.number(), tx_bytes: z.number() })).optional(),
  blkio_stats: z.object({ io_service_bytes_recursive: z.array(z.object({ op: z.string(), value: z.number() })).nullish() }).optional(),
});

export const getContainerStats = defineTool({
  name: 'get_container_stats',
  title: 'Container stats (one sample)',
  description: 'One sample of a running container\'s CPU, memory, processes, network and block I/O (the engine takes about a second to measure CPU).',
  input: z.object({ container: ContainerRef }),
  output: z.object({
    name: z.string(),
    cpuPercent: z.number(),
    memoryBytes: z.number(),
    memoryLimitBytes: z.number(),
    pids: z.number(),
    netRxBytes: z.number(),
    netTxBytes: z.number(),
    blockReadBytes: z.number(),
    blockWriteBytes: z.number(),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    if (!c.State.Running) throw new ToolFailure(`container ${c.name} is ${c.State.Status}, so it has no stats; start_container it first`);
    const s = Stats.parse(await engineCall(`reading the stats of ${c.name}`, () => docker.getContainer(c.Id).stats({ stream: false })));
    const cpuDelta = s.cpu_stats.cpu_usage.total_usage - s.precpu_stats.cpu_usage.total_usage;
    const systemDelta = (s.cpu_stats.system_cpu_usage ?? 0) - (s.precpu_stats.system_cpu_usage ?? 0);
    const cpuPercent = systemDelta > 0 ? Math.round((cpuDelta / systemDelta) * (s.cpu_stats.online_cpus ?? 1) * 10_000) / 100 : 0;
    // What `docker stats` shows: usage without the page cache.
    const cache = s.memory_stats.stats?.total_inactive_file ?? s.memory_stats.stats?.inactive_file ?? 0;
    const io = (op: string) => (s.blkio_stats?.io_service_bytes_recursive ?? []).filter((e) => e.op.toLowerCase() === op).reduce((a, e) => a + e.value, 0);
    const nets = Object.values(s.networks ?? {});
    const structured = {
      name: c.name,
      cpuPercent,
      memoryBytes: Math.max(0, (s.memory_stats.usage ?? 0) - cache),
      memoryLimitBytes: s.memory_stats.limit ?? 0,
      pids: s.pids_stats?.current ?? 0,
      netRxBytes: nets.reduce((a, n) => a + n.rx_bytes, 0),
      netTxBytes: nets.reduce((a, n) => a + n.tx_bytes, 0),
      blockReadBytes: io('read'),
      blockWriteBytes: io('write'),
    };
    const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
    return {
      structured,
      text: `Container ${c.name} on host ${run.host}: CPU ${cpuPercent}%, memory ${mib(structured.memoryBytes)} of ${mib(structured.memoryLimitBytes)}, ${structured.pids} process(es), network in ${structured.netRxBytes} B / out ${structured.netTxBytes} B.`,
    };
  },
});

export const monitorContainerLogs = defineTool({
  name: 'monitor_container_logs',
  title: 'Container logs',
  description: `The last lines a container wrote (stdout and stderr, with timestamps). With window_seconds it first waits that long (at most ${MAX_WINDOW_SECONDS}), so lines written meanwhile are included. At most ${MAX_LINES} lines and ${MAX_TEXT_BYTES / 1024} KiB.`,
  input: z.object({
    container: ContainerRef,
    lines: z.number().int().min(1).max(MAX_LINES).default(100),
    since_seconds: z.number().int().min(1).max(30 * 24 * 3600).optional().describe('Only lines from the last this many seconds'),
    window_seconds: z.number().int().min(0).max(MAX_WINDOW_SECONDS).default(0),
  }),
  output: z.object({ name: z.string(), lines: z.array(z.string()), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseServerInside(c, 'show its raw logs here');
    const since = args.since_seconds === undefined ? 0 : Math.floor(Date.now() / 1000) - args.since_seconds;
    if (args.window_seconds > 0) await waitOrAbort(args.window_seconds * 1000, run.call.signal);
    const raw = await engineCall(`reading the logs of ${c.name}`, () =>
      docker.getContainer(c.Id).logs({ stdout: true, stderr: true, timestamps: true, follow: false, tail: args.lines + 1, since }),
    );
    const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
    const text = c.Config.Tty ? buf.toString('utf8') : demuxBuffer(buf).map((f) => f.text).join('');
    // One enormous line must not crowd out the rest: each is cut on its own first.
    const lines = text.split('\n').filter((l) => l !== '').map((l) => boundText(l, MAX_LINE_BYTES));
    const { value, truncated: cut } = lastLines(lines.map((l) => (l.truncated ? `${l.value}…` : l.value)), args.lines);
    const truncated = cut || lines.some((l) => l.truncated);
    const note = truncated ? [cutNote('the logs', 'ask for fewer lines or a shorter since_seconds')] : [];
    return {
      structured: { name: c.name, lines: value, truncated },
      text: value.length ? [...value, ...note].join('\n') : `Container ${c.name} on host ${run.host} wrote no lines${args.since_seconds ? ` in the last ${args.since_seconds} s` : ''}.`,
    };
  },
});

function waitOrAbort(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener('abort', aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(new ToolFailure('the call was cancelled'));
    }
    signal.addEventListener('abort', aborted, { once: true });
  });
}

/** Keeps the first `max` bytes written to it, and whether more came. */
function collector(max: number): { sink: Writable; text(): { value: string; truncated: boolean } } {
  const chunks: Buffer[] = [];
  let kept = 0;
  let over = false;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (kept < max) {
        chunks.push(chunk);
        kept += chunk.length;
      } else {
        over = true;
      }
      cb();
    },
  });
  return {
    sink,
    text: () => {
      const b = boundText(Buffer.concat(chunks).toString('utf8'), max);
      return { value: b.value, truncated: over || b.truncated };
    },
  };
}

export const executeCommandInContainer = defineTool({
  name: 'execute_command_in_container',
  title: 'Run a command in a container',
  description:
    'Runs one command in a running container, as an argument list (no shell is involved unless the command names one), and gives its exit code and output (each stream cut at 32 KiB). A command still running at the timeout is left running, and the result says so. Off unless enabled by name.',
  input: z.object({
    container: ContainerRef,
    command: z.array(z.string().max(4096)).min(1).max(100).describe('The program and its arguments, e.g. ["ls", "-la", "/app"]'),
    working_dir: ContainerPath.optional(),
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a variable name'), z.string().max(32_768)).optional(),
    user: z.string().regex(/^[a-zA-Z0-9_.-]+(?::[a-zA-Z0-9_.-]+)?$/, 'must be a user, uid, or user:group').optional(),
    timeout_seconds: z.number().int().min(1).max(300).default(30),
  }),
  output: z.object({ exitCode: z.number().nullable(), stdout: z.string(), stderr: z.string(), truncated: z.boolean(), timedOut: z.boolean() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false },
  optIn: true,
  precheck: async (args, run) => refuseServerInside(await findContainer(engineOf(run), args.container, run), 'run commands in it'),
  confirm: (args, host) => `Run ${JSON.stringify(args.command)} in container ${args.container} on host ${host}?`,
  async run(args, run) {
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseServerInside(c, 'run commands in it');
    if (!c.State.Running) throw new ToolFailure(`container ${c.name} is ${c.State.Status}; commands run only in a running container, so start_container it first`);
    const exec = await engineCall(`starting ${JSON.stringify(args.command)} in ${c.name}`, () =>
      docker.getContainer(c.Id).exec({
        Cmd: args.command,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        WorkingDir: args.working_dir,
        User: args.user,
        Env: Object.entries(args.env ?? {}).map(([k, v]) => `${k}=${v}`),
      }),
    );
    const stream = await engineCall<Duplex>(`starting ${JSON.stringify(args.command)} in ${c.name}`, () => exec.start({ hijack: true, stdin: false }));
    const out = collector(MAX_TEXT_BYTES / 2);
    const err = collector(MAX_TEXT_BYTES / 2);
    docker.modem.demuxStream(stream, out.sink, err.sink);
    const timedOut = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => finish(true), args.timeout_seconds * 1000);
      const onAbort = () => finish(false);
      function finish(late: boolean) {
        clearTimeout(timer);
        run.call.signal.removeEventListener('abort', onAbort);
        resolve(late);
      }
      stream.once('end', () => finish(false));
      stream.once('close', () => finish(false));
      stream.once('error', () => finish(false));
      run.call.signal.addEventListener('abort', onAbort, { once: true });
    });
    stream.destroy();
    const info = z.object({ Running: z.boolean(), ExitCode: z.number().nullable() }).parse(await engineCall('reading the command\'s exit code', () => exec.inspect()));
    const stdout = out.text();
    const stderr = err.text();
    const exitCode = info.Running ? null : info.ExitCode;
    const truncated = stdout.truncated || stderr.truncated;
    const head = timedOut
      ? `${JSON.stringify(args.command)} in ${c.name} was still running after ${args.timeout_seconds} s; it is left running in the container (output so far below).`
      : `${JSON.stringify(args.command)} in ${c.name} exited with code ${exitCode ?? 'unknown'}.`;
    const text = [head, stdout.value && `stdout:\n${stdout.value}`, stderr.value && `stderr:\n${stderr.value}`, truncated && cutNote('the output', 'make the command print less')].filter(Boolean).join('\n');
    return { structured: { exitCode, stdout: stdout.value, stderr: stderr.value, truncated, timedOut }, text };
  },
});

/** Passes bytes through and fails the stream past `max`, so a copy never outgrows its bound. */
function capped(max: number, what: string): Transform & { bytes: number } {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      t.bytes += chunk.length;
      if (t.bytes > max) cb(new ToolFailure(`${what} is larger than ${max / 1024 / 1024} MiB, the most one copy carries; copy less`));
      else cb(null, chunk);
    },
  }) as Transform & { bytes: number };
  t.bytes = 0;
  return t;
}

const HostPath = z.string().min(1).max(4096).describe('An absolute path on the machine Berth runs on; paths that hold credentials, system files or Berth\'s own folders are refused');

export const copyFilesToContainer = defineTool({
  name: 'copy_files_to_container',
  title: 'Copy files into a container',
  description: `Copies a file or folder from the machine Berth runs on into a folder that exists in the container (overwriting files of the same names). At most ${MAX_COPY_BYTES / 1024 / 1024} MiB. Off unless enabled by name.`,
  input: z.object({ container: ContainerRef, host_path: HostPath, container_path: ContainerPath.describe('A folder in the container; what is copied lands inside it') }),
  output: z.object({ name: z.string(), entries: z.number(), bytes: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  optIn: true,
  precheck: async (args, run) => refuseServerInside(await findContainer(engineOf(run), args.container, run), 'copy files into it'),
  confirm: (args, host) => `Copy ${args.host_path} into ${args.container_path} in container ${args.container} on host ${host}, overwriting files of the same names?`,
  async run(args, run) {
    const source = checkHostPath(args.host_path, run, LOCAL_HOST, 'host path');
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseServerInside(c, 'copy files into it');
    const st = await stat(source).catch(() => undefined);
    if (!st) throw new ToolFailure(`there is no file or folder at ${args.host_path}; nothing was copied`);
    let entries = 0;
    const tar = pack(path.dirname(source), { entries: [path.basename(source)], map: (h) => (entries++, h) });
    const counted = capped(MAX_COPY_BYTES, args.host_path);
    tar.on('error', (e) => counted.destroy(e));
    tar.pipe(counted);
    await engineCall(`copying into ${c.name}:${args.container_path}`, async () => {
      try {
        await docker.getContainer(c.Id).putArchive(counted, { path: args.container_path });
      } catch (e) {
        if (statusCode(e) === 404) throw new ToolFailure(`there is no folder ${args.container_path} in container ${c.name}; nothing was copied`);
        throw e;
      }
    });
    return { structured: { name: c.name, entries, bytes: counted.bytes }, text: `Copied ${args.host_path} (${entries} entr${entries === 1 ? 'y' : 'ies'}) into ${c.name}:${args.container_path} on host ${run.host}.` };
  },
});

export const copyFilesFromContainer = defineTool({
  name: 'copy_files_from_container',
  title: 'Copy files out of a container',
  description: `Copies a file or folder from a container into a folder on the machine Berth runs on (made if absent; files of the same names are overwritten). Only plain files and folders are written (links are skipped). At most ${MAX_COPY_BYTES / 1024 / 1024} MiB. Off unless enabled by name.`,
  input: z.object({ container: ContainerRef, container_path: ContainerPath, host_path: HostPath.describe('A folder on the machine Berth runs on; what is copied lands inside it') }),
  output: z.object({ name: z.string(), entries: z.number(), skipped: z.number(), bytes: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  optIn: true,
  precheck: async (args, run) => refuseServerInside(await findContainer(engineOf(run), args.container, run), 'copy files out of it'),
  confirm: (args, host) => `Copy ${args.container_path} from container ${args.container} on host ${host} into ${args.host_path}, overwriting files of the same names?`,
  async run(args, run) {
    const dest = checkHostPath(args.host_path, run, LOCAL_HOST, 'host path');
    const docker = engineOf(run);
    const c = await findContainer(docker, args.container, run);
    refuseServerInside(c, 'copy files out of it');
    const st = await stat(dest).catch(() => undefined);
    if (st && !st.isDirectory()) throw new ToolFailure(`${args.host_path} is a file, not a folder; name the folder to copy into`);
    const archive = await engineCall(`reading ${c.name}:${args.container_path}`, async () => {
      try {
        return await docker.getContainer(c.Id).getArchive({ path: args.container_path });
      } catch (e) {
        if (statusCode(e) === 404) throw new ToolFailure(`there is no ${args.container_path} in container ${c.name}; nothing was copied`);
        throw e;
      }
    });
    await mkdir(dest, { recursive: true });
    let entries = 0;
    let skipped = 0;
    const counted = capped(MAX_COPY_BYTES, `${c.name}:${args.container_path}`);
    await pipeline(
      archive,
      counted,
      extract(dest, {
        // Links could point anywhere on this machine once written; a copy carries contents only.
        ignore: (_name, header) => {
          const keep = header?.type === 'file' || header?.type === 'directory';
          if (keep) entries++;
          else skipped++;
          return !keep;
        },
        // Owned by whoever runs Berth, not by the container's user ids (tar-fs chowns to those when run as root).
        map: (header) => ({ ...header, uid: process.getuid?.() ?? header.uid, gid: process.getgid?.() ?? header.gid }),
      }),
    );
    const skip = skipped ? `; skipped ${skipped} link(s) or special file(s)` : '';
    return { structured: { name: c.name, entries, skipped, bytes: counted.bytes }, text: `Copied ${c.name}:${args.container_path} (${entries} entr${entries === 1 ? 'y' : 'ies'}) into ${args.host_path}${skip}.` };
  },
});
