import path from 'node:path';
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import type { NetworkSpec, VolumeSpec } from '../protocol/spec.js';
import { parseCpus, parseEnvPair, parseMemory, parseVolume } from '../servers/units.js';

/** Commander's way to take a flag more than once. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The flags `berth add` and `berth install` share: what the new server gets beyond its image or entry. */
export interface AddFlags {
  env?: string[];
  volume?: string[];
  allowSensitiveMount?: boolean;
  memory?: string;
  cpus?: string;
  start?: boolean;
  arg?: string[];
  host?: string;
  network?: 'none' | 'bridge';
  allow?: string[];
}

export function addFlagOptions(cmd: Command): Command {
  return cmd
    .option('--env <K=V>', 'an environment variable (repeatable)', collect)
    .option('--volume <SRC:DST[:ro|rw]>', 'a host folder to mount, read-only unless :rw (repeatable)', collect)
    .option('--allow-sensitive-mount', 'mount the --volume folders even if they are sensitive (~/.ssh, /etc, the Docker socket…)')
    .option('--memory <size>', 'memory limit, like 512m or 1g')
    .option('--cpus <n>', 'CPU limit, like 0.5 or 2')
    .option('--start', 'start it right away')
    .option('--arg <value>', 'an argument for the server command (repeatable)', collect)
    .option('--host <name>', 'run it on this host (see `berth host ls`); local by default')
    .addOption(new Option('--network <mode>', 'none (the default for stdio servers) or bridge').choices(['none', 'bridge']))
    .option('--allow <host[:port]>', 'egress allowlist: reachable only through a proxy that opens these (host, *.domain, IPv4, CIDR; repeatable)', collect);
}

/**
 * A local volume's relative source (`./data:/data`) is taken from the current folder, as `--folder`
 * is; a remote host's paths are its own, so there a relative one stays and is refused as such.
 */
function fromHere(volume: string, host: string | undefined): string {
  if ((host !== undefined && host !== 'local') || volume.startsWith('/') || volume.startsWith('-') || /^[A-Za-z]:[\\/]/.test(volume)) return volume;
  const colon = volume.indexOf(':');
  if (colon <= 0) return volume;
  return `${path.resolve(volume.slice(0, colon))}${volume.slice(colon)}`;
}

/** The flags as request params; a value that does not parse throws with the parser's sentence (the caller makes it bad usage). */
export function addFlagParams(o: AddFlags): {
  env: Record<string, string>;
  volumes: z.infer<typeof VolumeSpec>[];
  network: z.infer<typeof NetworkSpec> | undefined;
  memory?: string;
  cpus?: string;
  args?: string[];
  host?: string;
  start?: boolean;
} {
  if (o.network && o.allow) throw new Error('give --network or --allow, not both (--allow is its own network mode)');
  if (o.memory !== undefined) parseMemory(o.memory);
  if (o.cpus !== undefined) parseCpus(o.cpus);
  return {
    env: Object.fromEntries((o.env ?? []).map(parseEnvPair)),
    volumes: (o.volume ?? []).map((v) => parseVolume(fromHere(v, o.host))).map((v) => (o.allowSensitiveMount ? { ...v, allowSensitive: true } : v)),
    network: o.allow ? { allow: o.allow } : o.network,
    memory: o.memory,
    cpus: o.cpus,
    args: o.arg,
    host: o.host,
    start: o.start,
  };
}
