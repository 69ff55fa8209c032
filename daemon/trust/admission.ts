import type { ServerSpec } from '../protocol/spec.js';
import type { ApprovalState } from '../protocol/trust.js';
import { describeGrant, grantHash, grantOf } from './grant.js';
import { forbiddenInWorkspace } from './workspaceRules.js';

/** Whether a server may run: yes, or the refusal or missing approval that keeps it stopped. */
export type Admission = { ok: true } | { ok: false; approval: ApprovalState };

/**
 * The one rule for a server from a workspace's `.berth/servers.yaml` (`folder`): never what no
 * workspace may carry; otherwise only with the user's approval of exactly what it asks for now
 * (`approved` is the hash stored when the user approved it). Any other spec runs (`folder` absent).
 */
export function admission(spec: ServerSpec, folder: string | undefined, approved: string | undefined): Admission {
  if (folder === undefined) return { ok: true };
  const forbidden = forbiddenInWorkspace(spec);
  if (forbidden) {
    const reason = `${spec.source}: servers.${spec.name}.${forbidden.field}: a workspace's spec file may not ask for ${forbidden.why}, approved or not; remove it there (only your own spec file, which \`berth status\` names, may)`;
    return { ok: false, approval: { state: 'refused', folder, reason } };
  }
  const grant = grantOf(spec);
  const hash = grantHash(grant);
  if (approved === hash) return { ok: true };
  const how = `run \`berth workspace approve ${shellWord(folder)} ${spec.name}\` (or "Approve Workspace Server…" in VS Code)`;
  const reason =
    approved === undefined
      ? `server ${spec.name} comes from the workspace ${folder} and runs only once you approve what it asks for; ${how}`
      : `server ${spec.name} of the workspace ${folder} now asks for something other than what you approved; review it and ${how}`;
  return { ok: false, approval: { state: 'needs-approval', folder, reason, asks: describeGrant(grant), hash } };
}

/** A folder as the user would type it in a shell. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
