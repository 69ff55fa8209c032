import Docker from 'dockerode';
import { PassThrough, type Duplex } from 'node:stream';
import { z } from 'zod';
import { EngineUnavailableError } from '../protocol/errors.js';
import * as images from './dockerImages.js';
import type { AttachedStdio, ContainerInfo, ContainerRuntime, ContainerSummary, CreateOptions, RuntimeEvent } from './runtime.js';

const Labels = z.record(z.string(), z.string()).nullish().transform((l) => l ?? {});

const Inspect = z.object({
  Id: z.string(),
  Name: z.string(),
  Image: z.string(),
  Config: z.object({ Labels, User: z.string().nullish() }),
  HostConfig: z
    .object({
      ReadonlyRootfs: z.boolean().nullish(),
      CapDrop: z.array(z.string()).nullish(),
      CapAdd: z.array(z.string()).nullish(),
      SecurityOpt: z.array(z.string()).nullish(),
      Privileged: z.boolean().nullish(),
      NetworkMode: z.string().nullish(),
      Memory: z.number().nullish(),
      PidsLimit: z.number().nullish(),
    })
    .optional(),
  State: z.object({ Running: z.boolean(), Status: z.string(), ExitCode: z.number(), OOMKilled: z.boolean(), StartedAt: z.string() }),
  NetworkSettings: z.object({ Networks: z.record(z.string(), z.object({ IPAddress: z.string() })).nullish() }).optional(),
});

/** The most of one server container's engine log file; two are kept. */
export const SERVER_LOG_MAX_SIZE = '5m';

const NetworkInspect = z.object({
  Internal: z.boolean().optional(),
  Labels,
  IPAM: z.object({ Config: z.array(z.object({ Subnet: z.string().optional(), Gateway: z.string().optional() })).nullish() }),
});

const Summary = z.object({ Id: z.string(), Names: z.array(z.string()), Labels, State: z.string() });

const Event = z.object({
  id: z.string().optional(),
  Action: z.string().optional(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()).optional() }).optional(),
});

/** The local engine: DOCKER_HOST, or the platform's default socket. */
export function localDocker(): Docker {
  return new Docker();
}

function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Turns socket-level failures into the one sentence a user needs. */
export function explainEngineError(e: unknown): Error {
  const err = e as NodeJS.ErrnoException & { statusCode?: number; json?: { message?: string } };
  // Image operations wrap the socket error; its code is on the cause.
  const code = err.code ?? (err.cause as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES') {
    const why = code === 'EACCES' ? 'permission denied' : 'nothing is listening there';
    return new EngineUnavailableError(`the Docker engine at ${engineAddress()} is not reachable (${why}); start Docker or set DOCKER_HOST, then try again`, { cause: e });
  }
  const message = err.json?.message ?? err.message ?? String(e);
  return new Error(message.replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim());
}

async function engine<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explainEngineError(e);
  }
}

function labelFilters(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([k, v]) => `${k}=${v}`);
}

export class DockerRuntime implements ContainerRuntime {
  constructor(private readonly docker: Docker = localDocker()) {}

  ping() {
    return engine(async () => {
      const v = z.object({ Version: z.string(), ApiVersion: z.string() }).parse(await this.docker.version());
      return { version: v.Version, apiVersion: v.ApiVersion };
    });
  }

  listManaged(labels: Record<string, string>): Promise<ContainerSummary[]> {
    return engine(async () => {
      const list = z.array(Summary).parse(await this.docker.listContainers({ all: true, filters: { label: labelFilters(labels) } }));
      return list.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), labels: c.Labels, state: c.State }));
    });
  }

  inspect(id: string): Promise<ContainerInfo | undefined> {
    return engine(async () => {
      try {
        const c = Inspect.parse(await this.docker.getContainer(id).inspect());
        return {
          id: c.Id,
          name: c.Name.replace(/^\//, ''),
          labels: c.Config.Labels,
          running: c.State.Running,
          status: c.State.Status,
          exitCode: c.State.ExitCode,
          oomKilled: c.State.OOMKilled,
          startedAt: c.State.StartedAt,
          image: c.Image,
          ipAddress: Object.values(c.NetworkSettings?.Networks ?? {}).find((n) => n.IPAddress)?.IPAddress,
          hardening: {
            readonlyRootfs: c.HostConfig?.ReadonlyRootfs ?? false,
            capDrop: c.HostConfig?.CapDrop ?? [],
            capAdd: c.HostConfig?.CapAdd ?? [],
            securityOpt: c.HostConfig?.SecurityOpt ?? [],
            privileged: c.HostConfig?.Privileged ?? false,
            user: c.Config.User ?? '',
            networkMode: c.HostConfig?.NetworkMode ?? '',
            memoryBytes: c.HostConfig?.Memory ?? 0,
            pidsLimit: c.HostConfig?.PidsLimit ?? 0,
          },
        };
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
      }
    });
  }

  create(o: CreateOptions): Promise<string> {
    return engine(async () => {
      const portBindings = Object.fromEntries(
        Object.entries(o.loopbackPorts ?? {}).map(([port, hostPort]) => [port, [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]]),
      );
      const c = await this.docker.createContainer({
        name: o.name,
        Image: o.image,
        Labels: o.labels,
        Entrypoint: o.entrypoint,
        Cmd: o.cmd,
        Env: Object.entries(o.env).map(([k, v]) => `${k}=${v}`),
        User: o.user,
        WorkingDir: o.workingDir,
        OpenStdin: o.openStdin,
        // Stdin stays open across attaches, so a daemon restart can re-attach to a live server.
        StdinOnce: false,
        AttachStdin: o.openStdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
        ExposedPorts: Object.fromEntries(Object.keys(o.loopbackPorts ?? {}).map((p) => [p, {}])),
        NetworkingConfig: o.networkAliases ? { EndpointsConfig: { [o.networkMode]: { Aliases: o.networkAliases } } } : undefined,
        HostConfig: {
          Binds: o.binds,
          Tmpfs: o.tmpfs,
          NetworkMode: o.networkMode,
          ReadonlyRootfs: o.readonlyRootfs,
          CapDrop: o.capDrop,
          CapAdd: o.capAdd,
          SecurityOpt: o.securityOpt,
          Memory: o.memoryBytes,
          MemorySwap: o.memoryBytes,
          NanoCpus: o.nanoCpus,
          PidsLimit: o.pidsLimit,
          Init: o.init,
          PortBindings: portBindings,
          RestartPolicy: { Name: 'no' },
          // A stdio server's stdout is the MCP stream of every client: the engine keeps it in
          // the container's log, so that log is bounded (and rotated away) rather than kept whole.
          LogConfig: { Type: 'json-file', Config: { 'max-size': SERVER_LOG_MAX_SIZE, 'max-file': '2' } },
        },
      });
      return c.id;
    });
  }

  start(id: string) {
    return engine(async () => {
      await this.docker.getContainer(id).start();
    });
  }

  stop(id: string, timeoutSeconds: number) {
    return engine(async () => {
      try {
        await this.docker.getContainer(id).stop({ t: timeoutSeconds });
      } catch (e) {
        // 304: already stopped; 404: already gone. Both are the state the caller wanted.
        const code = (e as { statusCode?: number }).statusCode;
        if (code !== 304 && code !== 404) throw e;
      }
    });
  }

  kill(id: string, signal = 'SIGKILL') {
    return engine(async () => {
      await this.docker.getContainer(id).kill({ signal });
    });
  }

  remove(id: string) {
    return engine(async () => {
      try {
        await this.docker.getContainer(id).remove({ force: true, v: true });
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    });
  }

  rename(id: string, name: string) {
    return engine(async () => {
      await this.docker.getContainer(id).rename({ name });
    });
  }

  wait(id: string): Promise<number> {
    return engine(async () => z.object({ StatusCode: z.number() }).parse(await this.docker.getContainer(id).wait()).StatusCode);
  }

  attach(id: string): Promise<AttachedStdio> {
    return engine(async () => {
      const raw = (await this.docker.getContainer(id).attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as Duplex;
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      this.docker.modem.demuxStream(raw, stdout, stderr);
      raw.on('end', () => {
        stdout.end();
        stderr.end();
      });
      raw.on('close', () => {
        stdout.end();
        stderr.end();
      });
      return { stdin: raw, stdout, stderr, close: () => raw.destroy() };
    });
  }

  stderrBetween(id: string, sinceMs: number, untilMs: number) {
    return engine(async () => {
      // The engine takes fractional seconds, and with timestamps each line starts with RFC 3339 time.
      const opts = { stdout: false, stderr: true, timestamps: true, follow: false as const, since: (sinceMs / 1000).toFixed(3), until: (untilMs / 1000).toFixed(3) };
      const buf = await this.docker.getContainer(id).logs(opts as unknown as { follow: false });
      return demuxBuffer(buf).flatMap((frame) =>
        frame.text.split('\n').filter(Boolean).map((line) => {
          const space = line.indexOf(' ');
          return { t: Date.parse(line.slice(0, space)), text: `${line.slice(space + 1)}\n` };
        }),
      );
    });
  }

  stats(id: string, onSample: (sample: unknown) => void) {
    return engine(async () => {
      const stream = (await this.docker.getContainer(id).stats({ stream: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
      // A torn or unparsable document is dropped; the next one arrives within a second.
      onJsonLines(stream, (doc) => {
        if (doc !== undefined) onSample(doc);
      });
      stream.on('error', () => undefined);
      return { close: () => stream.destroy() };
    });
  }

  events(labels: Record<string, string>, onEvent: (event: RuntimeEvent) => void) {
    return engine(async () => {
      const stream = (await this.docker.getEvents({ filters: { type: ['container'], label: labelFilters(labels) } })) as NodeJS.ReadableStream & { destroy(): void };
      onJsonLines(stream, (doc) => {
        const parsed = Event.safeParse(doc);
        if (!parsed.success || !parsed.data.Actor) return;
        const attrs = parsed.data.Actor.Attributes ?? {};
        const exit = attrs.exitCode === undefined ? undefined : Number(attrs.exitCode);
        onEvent({ id: parsed.data.Actor.ID, action: parsed.data.Action ?? '', labels: attrs, exitCode: exit });
      });
      stream.on('error', () => undefined);
      return { close: () => stream.destroy() };
    });
  }

  ensureIsolatedNetwork(name: string, labels: Record<string, string>) {
    return engine(async () => {
      if (!(await this.inspectNetwork(name))) {
        await this.docker
          .createNetwork({
            Name: name,
            Driver: 'bridge',
            Internal: true,
            // An internal network still gives the host an address on it, and every service the
            // host listens on is reachable there; without one, the host is not on the network.
            Options: { 'com.docker.network.bridge.inhibit_ipv4': 'true' },
            Labels: labels,
            CheckDuplicate: true,
          })
          .catch((e: { statusCode?: number }) => {
            if (e.statusCode !== 409) throw e;
          });
      }
      const found = await this.inspectNetwork(name);
      // A network of this name that Berth did not make (anyone may create one) is never used:
      // it could have a route out where the allowlist promised none.
      const foreign = Object.entries(labels).some(([k, v]) => found?.Labels[k] !== v) || found?.Internal !== true;
      if (found && foreign) throw new Error(`network ${name} exists but Berth did not make it (its labels or its isolation differ), so it is not used; remove it (docker network rm ${name}) and start the server again`);
      const subnet = found?.IPAM.Config?.[0]?.Subnet;
      if (!subnet) throw new Error(`network ${name} has no subnet`);
      return { subnet };
    });
  }

  removeNetwork(name: string) {
    return engine(async () => {
      try {
        await this.docker.getNetwork(name).remove();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    });
  }

  ensureVolume(name: string, labels: Record<string, string>) {
    return engine(async () => {
      await this.docker.createVolume({ Name: name, Labels: labels });
    });
  }

  removeVolume(name: string) {
    return engine(async () => {
      try {
        await this.docker.getVolume(name).remove();
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode !== 404) throw e;
      }
    });
  }

  volumeExists(name: string) {
    return engine(async () => {
      try {
        await this.docker.getVolume(name).inspect();
        return true;
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return false;
        throw e;
      }
    });
  }

  networkGateways(name: string) {
    return engine(async () => (await this.inspectNetwork(name))?.IPAM.Config?.flatMap((c) => (c.Gateway ? [c.Gateway] : [])) ?? []);
  }

  connectNetwork(network: string, containerId: string) {
    return engine(async () => {
      await this.docker.getNetwork(network).connect({ Container: containerId });
    });
  }

  private async inspectNetwork(name: string) {
    try {
      return NetworkInspect.parse(await this.docker.getNetwork(name).inspect());
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  imageExists(ref: string) {
    return engine(() => images.imageExists(this.docker, ref));
  }
  imageDigest(ref: string) {
    return engine(() => images.imageDigest(this.docker, ref));
  }
  imageId(ref: string) {
    return engine(() => images.imageId(this.docker, ref));
  }
  imageLabels(ref: string) {
    return engine(() => images.imageLabels(this.docker, ref));
  }
  pull(ref: string, onProgress: (line: string) => void) {
    return engine(() => images.pull(this.docker, ref, onProgress));
  }
  readImageFile(ref: string, file: string) {
    return engine(() => images.readImageFile(this.docker, ref, file));
  }
  tagImage(ref: string, newRef: string) {
    return engine(() => images.tagImage(this.docker, ref, newRef));
  }
  untagImage(ref: string) {
    return engine(() => images.untagImage(this.docker, ref));
  }
  build(context: NodeJS.ReadableStream, tag: string, onProgress: (line: string) => void, labels?: Record<string, string>) {
    return engine(() => images.build(this.docker, context as never, tag, onProgress, labels));
  }
  importRootfs(tarball: NodeJS.ReadableStream, tag: string, changes: string[]) {
    return engine(() => images.importRootfs(this.docker, tarball as never, tag, changes));
  }
}

/** The engine streams stats and events as newline-separated JSON documents. */
function onJsonLines(stream: NodeJS.ReadableStream, onDoc: (doc: unknown) => void): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        doc = undefined;
      }
      onDoc(doc);
    }
  });
}

/** Docker's multiplexed log format: 8-byte headers (stream, size) before each frame. */
export function demuxBuffer(buf: Buffer): { text: string }[] {
  const out: { text: string }[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    out.push({ text: buf.subarray(i + 8, i + 8 + size).toString('utf8') });
    i += 8 + size;
  }
  return out;
}
