import { ErrorCodes, ResponseError, type CancellationToken, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import type { NotificationDef, RequestDef } from '../protocol/define.js';
import { BerthError } from '../protocol/errors.js';
import { Initialize, Shutdown } from '../protocol/methods.js';

/**
 * Connections whose client has sent `initialize`. Kept here, beside `handle`, so every handler
 * file registers through the same wrapper and none has to check it itself.
 */
const initialized = new WeakSet<MessageConnection>();
/** What a client may send before `initialize`: the handshake itself, and `shutdown`, which needs none. */
const BEFORE_INITIALIZE = new Set([Initialize.method, Shutdown.method]);

export function markInitialized(connection: MessageConnection): void {
  initialized.add(connection);
}

export function isInitialized(connection: MessageConnection): boolean {
  return initialized.has(connection);
}

/**
 * Registers a handler. The wrapper refuses a request before `initialize`, validates params against
 * the method's schema (InvalidParams with a readable sentence), and answers a failure with the
 * code of its kind (protocol/errors.ts), so a client can act on it.
 */
export function handle<P extends z.ZodType, R extends z.ZodType>(
  connection: MessageConnection,
  def: RequestDef<P, R>,
  handler: (params: z.infer<P>, token: CancellationToken) => Promise<z.input<R>> | z.input<R>,
): void {
  // vscode-jsonrpc calls a handler with (params, token), or with (token) alone when a request has no
  // params: the token must not be taken for params (the standard `shutdown` has none).
  connection.onRequest(def.method, async (...args: unknown[]) => {
    const raw = args.length > 1 ? args[0] : undefined;
    const token = args[args.length - 1] as CancellationToken;
    if (!BEFORE_INITIALIZE.has(def.method) && !initialized.has(connection)) {
      throw new ResponseError(ErrorCodes.ServerNotInitialized, `send initialize first; ${def.method} came before it`);
    }
    // No params means none for a method whose schema allows that, an empty object for the others.
    const parsed = def.params.safeParse(raw ?? (def.params.safeParse(undefined).success ? undefined : {}));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ResponseError(ErrorCodes.InvalidParams, `invalid ${def.method} request: ${where}${issue?.message ?? 'bad params'}`);
    }
    try {
      return await handler(parsed.data, token);
    } catch (e) {
      throw toResponseError(e);
    }
  });
}

/**
 * The answer for an error a handler threw. A wrapped error (`failed to start: …`, with `cause`)
 * keeps the code of the cause that says what went wrong; anything else is a fault in Berth.
 */
export function toResponseError(e: unknown): ResponseError<void> {
  if (e instanceof ResponseError) return e as ResponseError<void>;
  const message = e instanceof Error ? e.message : String(e);
  let cause: unknown = e;
  for (let depth = 0; depth < 8 && cause instanceof Error; depth++, cause = cause.cause) {
    if (cause instanceof BerthError) return new ResponseError(cause.code, message);
  }
  return new ResponseError(ErrorCodes.InternalError, message);
}

export function notify<P extends z.ZodType>(connection: MessageConnection, def: NotificationDef<P>, params: z.input<P>): void {
  void connection.sendNotification(def.method, params).catch(() => undefined);
}
