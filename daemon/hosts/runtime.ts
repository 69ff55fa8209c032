import type { Readable } from 'node:stream';

/**
 * The one small interface the daemon uses to talk to a container engine. Everything above it
 * speaks Berth's model; only hosts/ knows about Docker's API.
 */
export interface ContainerRuntime {
  /** Engine version facts, also a liveness probe: rejects with a readable error when the engine is down. */
  ping(): Promise<{ version: string; apiVersion: string }>;

  listManaged(labels: Record<string, string>): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerInfo | undefined>;
  create(options: CreateOptions): Promise<string>;
  start(id: string): Promise<void>;
  /** Graceful: SIGTERM, then SIGKILL after `timeoutSeconds`. */
  stop(id: string, timeoutSeconds: number): Promise<void>;
  kill(id: string, signal?: string): Promise<void>;
  remove(id: string): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  /** Waits for the container to exit and gives its exit code. */
  wait(id: string): Promise<number>;

  /** A hijacked attach: write to stdin; read demultiplexed stdout and stderr. */
  attach(id: string): Promise<AttachedStdio>;
  /** Stderr lines the engine kept between two times (ms), with its timestamps: fills the gap a daemon restart left. */
  stderrBetween(id: string, sinceMs: number, untilMs: number): Promise<{ t: number; text: string }[]>;
  /** Raw stats documents from the engine's stats stream. */
  stats(id: string, onSample: (sample: unknown) => void): Promise<{ close(): void }>;
  /** Container lifecycle events for containers with the given labels. */
  events(labels: Record<string, string>, onEvent: (event: RuntimeEvent) => void): Promise<{ close(): void }>;

  /**
   * Creates, unless it exists, an internal network whose host side has no address: its containers
   * reach each other and nothing else, not even the host. Gives its subnet.
   */
  ensureIsolatedNetwork(name: string, labels: Record<string, string>): Promise<{ subnet: string }>;
  removeNetwork(name: string): Promise<void>;
  /** Creates a named volume unless it exists. */
  ensureVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** Removes a named volume; one that is not there is no error. */
  removeVolume(name: string): Promise<void>;
  volumeExists(name: string): Promise<boolean>;
  /** The gateway addresses of a network: how its containers would reach the host. */
  networkGateways(name: string): Promise<string[]>;
  connectNetwork(network: string, containerId: string): Promise<void>;

  imageExists(ref: string): Promise<boolean>;
  imageDigest(ref: string): Promise<string | undefined>;
  /** The local image id a name points to now (what a container made from it runs); undefined when there is no such image. */
  imageId(ref: string): Promise<string | undefined>;
  /** The image's labels (what a build recorded it was made from); undefined when there is no such image. */
  imageLabels(ref: string): Promise<Record<string, string> | undefined>;
  pull(ref: string, onProgress: (line: string) => void): Promise<void>;
  /** One file of an image, read without starting it; undefined when the image has no such path. */
  readImageFile(ref: string, file: string): Promise<Buffer | undefined>;
  /** Gives an image another name (`repo:tag`): an image with a tag is never removed by a prune. */
  tagImage(ref: string, newRef: string): Promise<void>;
  /** Removes one name of an image (the image goes with its last name); a name that is not there is no error. */
  untagImage(ref: string): Promise<void>;
  /** Builds from a tar stream holding a Dockerfile at its root; `labels` go on the image (what it was built from). */
  build(context: Readable, tag: string, onProgress: (line: string) => void, labels?: Record<string, string>): Promise<void>;
  /** `docker import`: a root filesystem tarball becomes an image. */
  importRootfs(tarball: Readable, tag: string, changes: string[]): Promise<void>;
  /**
   * How the daemon reaches a container's own address on this engine's machine, where the global
   * fetch cannot (an SSH host's containers): absent for the local engine.
   */
  fetch?: (url: string | URL, init?: RequestInit) => Promise<Response>;
}

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
}

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  running: boolean;
  status: string;
  exitCode: number;
  oomKilled: boolean;
  startedAt: string;
  image: string;
  /** The container's address on its network, if it has one (HTTP servers are reached there). */
  ipAddress?: string;
  /** What the engine says it enforces, read back so a check does not trust what was asked for. */
  hardening: Hardening;
}

export interface Hardening {
  readonlyRootfs: boolean;
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  privileged: boolean;
  user: string;
  networkMode: string;
  memoryBytes: number;
  pidsLimit: number;
}

export interface CreateOptions {
  name: string;
  image: string;
  labels: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  env: Record<string, string>;
  user?: string;
  workingDir?: string;
  /** `stdio` servers keep stdin open for the daemon's attach. */
  openStdin: boolean;
  binds: string[];
  tmpfs: Record<string, string>;
  networkMode: string;
  /** Names other containers on `networkMode` find this one by. */
  networkAliases?: string[];
  readonlyRootfs: boolean;
  capDrop: string[];
  capAdd: string[];
  securityOpt: string[];
  memoryBytes?: number;
  nanoCpus?: number;
  pidsLimit?: number;
  init: boolean;
  /** Container port → loopback host port (HTTP servers). */
  loopbackPorts?: Record<string, number>;
}

export interface AttachedStdio {
  stdin: NodeJS.WritableStream;
  stdout: Readable;
  stderr: Readable;
  /** Closes the attach (and, with it, our end of stdin). */
  close(): void;
}

export interface RuntimeEvent {
  id: string;
  action: string;
  labels: Record<string, string>;
  exitCode?: number;
}
