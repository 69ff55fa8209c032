import { ErrorCodes, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import type { z } from 'zod';
import type { NotificationDef, RequestDef } from '../protocol/methods.js';

/** Registers a handler whose params are validated against the method's schema first. */
export function handle<P extends z.ZodType, R extends z.ZodType>(
  connection: MessageConnection,
  def: RequestDef<P, R>,
  handler: (params: z.infer<P>) => Promise<z.input<R>> | z.input<R>,
): void {
  connection.onRequest(def.method, async (raw: unknown) => {
    const parsed = def.params.safeParse(raw ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new ResponseError(ErrorCodes.InvalidParams, `invalid ${def.method} request: ${where}${issue?.message ?? 'bad params'}`);
    }
    try {
      return await handler(parsed.data);
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      throw new ResponseError(ErrorCodes.InternalError, (e as Error).message);
    }
  });
}

export function notify<P extends z.ZodType>(connection: MessageConnection, def: NotificationDef<P>, params: z.input<P>): void {
  void connection.sendNotification(def.method, params).catch(() => undefined);
}
