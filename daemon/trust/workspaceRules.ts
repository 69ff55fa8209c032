import type { ServerSpec } from '../protocol/spec.js';

/**
 * What no workspace file may carry, approved or not: each would give the repository's code the
 * host (the Docker socket, `/`, credentials folders; capabilities; setuid escalation; a command
 * run on the host). Gives the field and why, for the first one the spec carries.
 */
export function forbiddenInWorkspace(spec: ServerSpec): { field: string; why: string } | undefined {
  if (spec.external) return { field: 'external', why: 'a command on the host' };
  const sensitive = spec.volumes.findIndex((v) => v.allowSensitive);
  if (sensitive >= 0) return { field: `volumes.${sensitive}.allowSensitive`, why: 'a sensitive host path (the Docker socket, /, credentials, system folders)' };
  if (spec.security.capAdd.length) return { field: 'security.capAdd', why: `added capabilities (${spec.security.capAdd.join(', ')})` };
  if (!spec.security.noNewPrivileges) return { field: 'security.noNewPrivileges', why: 'a container whose processes may gain privileges (noNewPrivileges: false)' };
  return undefined;
}
