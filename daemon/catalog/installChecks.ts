import type { ContainerRuntime, Hardening } from '../hosts/runtime.js';
import { describeMatches, scanValue, SECRET_ENV_NAME } from '../policy/secretScan.js';
import type { ServerSpec } from '../protocol/spec.js';
import { imageOf } from '../servers/kind.js';


/** What the engine enforces against what the spec asks for; each difference is one phrase. */
export function hardeningGaps(h: Hardening, spec: ServerSpec): string[] {
  const gaps: string[] = [];
  if (!h.capDrop.map((c) => c.toUpperCase()).includes('ALL')) gaps.push('capabilities are not all dropped');
  if (h.privileged) gaps.push('it runs privileged');
  if (h.readonlyRootfs !== spec.security.readOnlyRootfs) gaps.push(`its root filesystem is ${h.readonlyRootfs ? 'read-only' : 'writable'}, the spec says otherwise`);
  if (spec.security.noNewPrivileges && !h.securityOpt.some((o) => /^no-new-privileges(?::true)?$/.test(o))) gaps.push('no-new-privileges is off');
  if (h.user === '' || /^(?:0|root)(?::|$)/.test(h.user)) gaps.push('it runs as root');
  const wanted = typeof spec.network === 'string' ? spec.network : 'an egress network';
  const actual = typeof spec.network === 'string' ? h.networkMode : h.networkMode.endsWith('-egress') ? 'an egress network' : h.networkMode;
  if (actual !== wanted) gaps.push(`its network is ${h.networkMode}, not ${wanted}`);
  if (h.memoryBytes <= 0) gaps.push('it has no memory limit');
  if (h.pidsLimit <= 0) gaps.push('it has no pids limit');
  return gaps;
}

/** A catalog's env defaults that hold, or are named for, a secret. */
export function secretsInDefaults(env: Record<string, string> | undefined): string[] {
  const found: string[] = [];
  for (const [k, v] of Object.entries(env ?? {})) if (v !== '' && SECRET_ENV_NAME.test(k)) found.push(`${k} has a default value; a secret should be a secret reference`);
  const matches = scanValue(env ?? {}, 'env');
  if (matches.length) found.push(describeMatches('its env defaults', matches));
  return found;
}

/** An image Berth built says what it was built from; a pulled image's labels are its publisher's, and none is no failure. */
export async function imageLabelCheck(rt: Pick<ContainerRuntime, 'imageLabels'>, spec: ServerSpec): Promise<{ ok: boolean; text: string }> {
  const labels = (await rt.imageLabels(imageOf(spec))) ?? {};
  const recorded = Object.entries(labels).filter(([k]) => k.startsWith('berth.'));
  if (spec.build) {
    return recorded.length
      ? { ok: true, text: `labels ${recorded.map(([k, v]) => `${k}=${v}`).join(', ')}` }
      : { ok: false, text: `image ${spec.image} carries no berth.* label saying what it was built from; rebuild it with \`berth build\`` };
  }
  const count = Object.keys(labels).length;
  return { ok: true, text: count ? `${count} image label${count === 1 ? '' : 's'}` : 'no image labels (its publisher set none)' };
}
