import type { MessageConnection } from 'vscode-jsonrpc/node';
import { handle } from '../api/rpc.js';
import * as P from '../protocol/policy.js';
import type { SecurityContext } from './context.js';

export interface PolicyHandlerContext {
  security: SecurityContext;
  requireInit(): void;
  /** Names of the servers whose specs name each secret. */
  secretUsers(secret: string): string[];
  /** Throws the registry's sentence for an unknown server. */
  requireServer(name: string): void;
}

/** `secrets/*` and `tools/pending|approve`. No method ever returns a secret's value. */
export function registerPolicyHandlers(connection: MessageConnection, ctx: PolicyHandlerContext): void {
  const { security } = ctx;

  handle(connection, P.SecretsSet, (p) => {
    ctx.requireInit();
    security.secrets.set(p.name, p.value);
    return { name: p.name, servers: ctx.secretUsers(p.name) };
  });

  handle(connection, P.SecretsList, () => {
    ctx.requireInit();
    return security.secrets.list().map((s) => ({ ...s, servers: ctx.secretUsers(s.name) }));
  });

  handle(connection, P.SecretsRemove, (p) => {
    ctx.requireInit();
    if (!security.secrets.remove(p.name)) throw new Error(`there is no secret named ${p.name}; \`berth secret ls\` lists them`);
    return { removed: p.name };
  });

  handle(connection, P.ToolsPending, (p) => {
    ctx.requireInit();
    ctx.requireServer(p.name);
    const { changed, added, removed, diff } = security.pending(p.name);
    return { changed, added, removed, diff };
  });

  handle(connection, P.ToolsApprove, (p) => {
    ctx.requireInit();
    ctx.requireServer(p.name);
    return { approved: security.approve(p.name, p.tools) };
  });
}
