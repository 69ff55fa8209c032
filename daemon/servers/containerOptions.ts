import type { CreateOptions } from '../hosts/runtime.js';
import type { ServerSpec } from '../protocol/spec.js';
import { egressNetworkName, proxyEnv } from '../network/egress.js';
import { LABEL, containerName, stateVolumeName } from './labels.js';
import { imageOf } from './kind.js';
import { parseCpus, parseMemory } from './units.js';

/**
 * The hardened container for a spec: no network unless asked, every capability dropped,
 * no-new-privileges, a read-only root with a tmpfs /tmp, a non-root user, memory/CPU/pids
 * limits and an init process. Each relaxation comes from the spec, explicitly.
 */
export function containerOptions(spec: ServerSpec, instance: string, hash: string): CreateOptions {
  const s = spec.security;
  return {
    name: containerName(instance, spec.name),
    image: imageOf(spec),
    labels: {
      [LABEL.managed]: 'true',
      [LABEL.instance]: instance,
      [LABEL.server]: spec.name,
      [LABEL.specHash]: hash,
      [LABEL.host]: spec.host,
    },
    entrypoint: spec.command,
    cmd: spec.args.length ? spec.args : undefined,
    env: typeof spec.network === 'string' ? spec.env : { ...spec.env, ...proxyEnv() },
    user: s.user,
    openStdin: spec.transport === 'stdio',
    binds: [...spec.volumes.map((v) => `${v.source}:${v.target}:${v.readOnly ? 'ro' : 'rw'}`), ...(spec.state ? [`${stateVolumeName(instance, spec.name)}:${spec.state}:rw`] : [])],
    tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
    networkMode: typeof spec.network === 'string' ? spec.network : egressNetworkName(instance, spec.name),
    readonlyRootfs: s.readOnlyRootfs,
    capDrop: ['ALL'],
    capAdd: s.capAdd,
    securityOpt: s.noNewPrivileges ? ['no-new-privileges:true'] : [],
    memoryBytes: parseMemory(spec.limits.memory),
    nanoCpus: parseCpus(spec.limits.cpus),
    pidsLimit: spec.limits.pids,
    init: true,
  };
}
