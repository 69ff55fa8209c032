import * as vscode from 'vscode';
import * as M from '../../../daemon/protocol/methods.js';
import type { Ctx } from '../../ctx.js';
import { inert } from '../../untrustedText.js';
import { pickServers } from '../pickServers.js';
import { startServers } from '../server/startServer.js';

/**
 * A workspace's `.berth/servers.yaml` comes with the repository: its server runs only once the
 * user has seen, in one modal, everything it would get, and approved exactly that (the daemon
 * pins the approval to the hash of what was shown, so an edit in between is not approved).
 */
export async function approveWorkspaceServer(ctx: Ctx, node?: unknown, nodes?: unknown): Promise<void> {
  const [name] = await pickServers(ctx, node, nodes, { verb: 'approve', want: (s) => s.approval?.state === 'needs-approval' });
  if (name === undefined) return;
  const approval = ctx.server(name)?.approval;
  if (approval?.state !== 'needs-approval' || approval.hash === undefined) {
    void vscode.window.showInformationMessage(inert(approval ? approval.reason : `${name} needs no approval.`));
    return;
  }
  const approve = 'Approve and Start';
  const choice = await vscode.window.showWarningMessage(
    inert(`Let ${name} from the workspace ${approval.folder} run with:`),
    { modal: true, detail: inert([...(approval.asks ?? []).map((a) => `• ${a}`), '', 'It comes with the workspace, not from you. A change to any of these asks again.'].join('\n')) },
    approve,
  );
  if (choice !== approve) return;
  await ctx.request(M.WorkspacesApprove, { folder: approval.folder, server: name, hash: approval.hash });
  await startServers(ctx, [name]);
}
