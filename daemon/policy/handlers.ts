import type { MessageConnection } from 'vscode-jsonrpc/node';
import { handle } from '../api/rpc.js';
import { ConflictError, NotFoundError } from '../protocol/errors.js';
import * as P from '../protocol/policy.js';
import type { SecurityContext } from './context.js';

export interface PolicyHandlerContext {
  security: SecurityContext;
  /** Names of the servers whose specs name each secret. */
  secretUsers(secret: string): string[];
  /** Every secret name some spec names. */
  namedSecrets(): string[];
  /** Throws the registry's sentence for an unknown server. */
  requireServer(name: string): void;
}

/**
 * `secrets/*` and `tools/pending|approve`. No method ever returns a secret's value. A value goes
 * only into the containers of servers whose specs name it (SecurityContext.containerEnv), wherever
 * it came from.
 */
export function registerPolicyHandlers(connection: MessageConnection, ctx: PolicyHandlerContext): void {
  const { security } = ctx;

  handle(connection, P.SecretsSet, (p) => {
    security.secrets.set(p.name, p.value);
    return { name: p.name, servers: ctx.secretUsers(p.name), effective: security.secretValue(p.name)?.source ?? 'stored' };
  });

  handle(connection, P.SecretsProvide, (p) => {
    security.provideSecrets(p.secrets);
    return p.secrets.map((s) => ({ name: s.name, servers: ctx.secretUsers(s.name) }));
  });

  handle(connection, P.SecretsForget, (p) => ({ forgotten: security.forgetSecrets(p.names) }));

  handle(connection, P.SecretsList, () => security.listSecrets(ctx.namedSecrets()).map((s) => ({ ...s, servers: ctx.secretUsers(s.name) })));

  handle(connection, P.SecretsRemove, (p) => {
    if (security.secrets.remove(p.name)) {
      const servers = ctx.secretUsers(p.name);
      return servers.length ? { removed: p.name, servers } : { removed: p.name };
    }
    if (security.editorSecrets.get(p.name) !== undefined) {
      throw new ConflictError(`secret ${p.name} is not stored by Berth: its value was handed in by VS Code; delete it there with "Berth: Delete Secret…"`);
    }
    throw new NotFoundError(`there is no secret named ${p.name}; \`berth secret ls\` lists them`);
  });

  handle(connection, P.ToolsPending, (p) => {
    ctx.requireServer(p.name);
    const { changed, added, removed, diff } = security.pending(p.name);
    return { changed, added, removed, diff };
  });

  handle(connection, P.ToolsApprove, (p) => {
    ctx.requireServer(p.name);
    return { approved: security.approve(p.name, p.tools) };
  });
}
