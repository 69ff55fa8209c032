import type http from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isJSONRPCErrorResponse, isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/server';

type MessageHandler = (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

/**
 * One 2025-era gateway session's transport. It settles the two ends the SDK leaves open: the Protocol
 * sends no answer to a cancelled request and the transport ends a POST's event stream only once
 * every request on it has one, so a cancelled call's stream would run on with keepalives; and a
 * client that drops its POST mid-call would leave the call running in the container.
 */
export class SessionTransport extends NodeStreamableHTTPServerTransport {
  /** Each unanswered request, mapped to the unanswered requests of the POST that carried it (one set per POST). */
  private readonly unanswered = new Map<RequestId, Set<RequestId>>();

  /** A request of this session awaits its answer. */
  get busy(): boolean {
    return this.unanswered.size > 0;
  }

  override get onmessage(): MessageHandler | undefined {
    return super.onmessage;
  }

  /** The Protocol installs its handler here; cancellations are watched after it has seen them. */
  override set onmessage(handler: MessageHandler | undefined) {
    super.onmessage =
      handler &&
      ((message, extra) => {
        handler(message, extra);
        // Only cancellations are parsed: every other message passes untouched.
        if (!('method' in message) || message.method !== 'notifications/cancelled') return;
        const requestId = (message.params as { requestId?: unknown } | undefined)?.requestId;
        if (typeof requestId === 'string' || typeof requestId === 'number') this.settle(requestId);
      });
  }

  override async handleRequest(req: http.IncomingMessage, res: http.ServerResponse, parsedBody?: unknown): Promise<void> {
    const carried = new Set((Array.isArray(parsedBody) ? parsedBody : [parsedBody]).filter(isJSONRPCRequest).map((m) => m.id));
    if (carried.size > 0) {
      for (const id of carried) this.unanswered.set(id, carried);
      res.once('close', () => {
        const left = [...carried];
        carried.clear();
        for (const id of left) {
          if (this.unanswered.get(id) === carried) this.unanswered.delete(id);
          // The client went away before its answer: cancel the call, in the container too.
          if (!res.writableFinished) this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'the client closed the connection' } });
        }
      });
    }
    await super.handleRequest(req, res, parsedBody);
  }

  override async send(message: JSONRPCMessage, options?: Parameters<NodeStreamableHTTPServerTransport['send']>[1]): Promise<void> {
    const id = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined;
    const rest = id === undefined ? undefined : this.take(id);
    await super.send(message, options);
    // The last answer on a stream whose other requests were cancelled: the SDK waits on them forever.
    if (id !== undefined && rest?.size === 0) this.closeSSEStream(id);
  }

  /** A request was cancelled: it gets no answer, so its stream ends once nothing else on it waits. */
  private settle(id: RequestId): void {
    if (this.take(id)?.size === 0) this.closeSSEStream(id);
  }

  /** A request is done with; the requests of its POST still unanswered, if it was waiting. */
  private take(id: RequestId): Set<RequestId> | undefined {
    const carried = this.unanswered.get(id);
    this.unanswered.delete(id);
    carried?.delete(id);
    return carried;
  }
}
