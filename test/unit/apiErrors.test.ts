import { PassThrough } from 'node:stream';
import { createMessageConnection, ErrorCodes, ResponseError, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handle, markInitialized } from '../../daemon/api/rpc.js';
import { DaemonClient } from '../../daemon/client/client.js';
import { request } from '../../daemon/protocol/define.js';
import { BerthError, BerthErrorCode, ConflictError, EngineUnavailableError, InvalidSpecError, NotFoundError, PolicyRefusedError } from '../../daemon/protocol/errors.js';
import { Initialize, Shutdown } from '../../daemon/protocol/methods.js';

/** A daemon side and a client side joined in memory: the real vscode-jsonrpc on both ends. */
function linkedPair(): [MessageConnection, MessageConnection] {
  const up = new PassThrough();
  const down = new PassThrough();
  const daemon = createMessageConnection(new StreamMessageReader(up), new StreamMessageWriter(down));
  const client = createMessageConnection(new StreamMessageReader(down), new StreamMessageWriter(up));
  return [daemon, client];
}

const Fail = request('test/fail', z.object({ kind: z.string() }).strict(), z.object({}));
const failures: Record<string, () => Error> = {
  notFound: () => new NotFoundError('there is no server named "x"'),
  invalidSpec: () => new InvalidSpecError('memory limit "lots" is not a size'),
  conflict: () => new ConflictError('a server named "x" already exists'),
  // As the supervisor wraps it: the code comes from the cause.
  engine: () => new Error('server x failed to start: the Docker engine is not reachable', { cause: new EngineUnavailableError('the Docker engine is not reachable') }),
  policy: () => new PolicyRefusedError('server x needs secret TOKEN, which is not set'),
  bug: () => new TypeError('cannot read properties of undefined'),
};
const hello = { initializationOptions: { protocolVersion: 1, client: { name: 'test', version: '0' } } };

describe('the API handler wrapper', () => {
  let daemon: MessageConnection;
  let client: MessageConnection;
  beforeEach(() => {
    [daemon, client] = linkedPair();
    handle(daemon, Initialize, () => {
      markInitialized(daemon);
      return { capabilities: {}, serverInfo: { name: 'berth', version: '0' }, protocolVersion: 1, daemon: { pid: 1, version: '0' } };
    });
    handle(daemon, Fail, (p) => {
      throw (failures[p.kind] ?? (() => new Error('unknown kind')))();
    });
    daemon.listen();
    client.listen();
  });
  afterEach(() => {
    client.dispose();
    daemon.dispose();
  });

  const codeOf = (kind: string) => client.sendRequest(Fail.method, { kind }).then(() => undefined, (e: ResponseError<unknown>) => e.code);

  it('refuses every request before initialize, without running its handler', async () => {
    const e = await client.sendRequest(Fail.method, { kind: 'notFound' }).catch((err: ResponseError<unknown>) => err);
    expect(e).toBeInstanceOf(ResponseError);
    expect((e as ResponseError<unknown>).code).toBe(ErrorCodes.ServerNotInitialized);
    expect((e as ResponseError<unknown>).message).toMatch(/^send initialize first/);
  });

  it('answers each kind of failure with its own code, and a bug with InternalError', async () => {
    await client.sendRequest(Initialize.method, hello);
    expect(await codeOf('notFound')).toBe(BerthErrorCode.NotFound);
    expect(await codeOf('invalidSpec')).toBe(BerthErrorCode.InvalidSpec);
    expect(await codeOf('conflict')).toBe(BerthErrorCode.Conflict);
    expect(await codeOf('engine')).toBe(BerthErrorCode.EngineUnavailable);
    expect(await codeOf('policy')).toBe(BerthErrorCode.PolicyRefused);
    expect(await codeOf('bug')).toBe(ErrorCodes.InternalError);
    expect(new Set(Object.values(BerthErrorCode)).size).toBe(Object.keys(BerthErrorCode).length);
  });

  it('serves a request sent without params, such as the standard shutdown', async () => {
    handle(daemon, Shutdown, () => null);
    await client.sendRequest(Initialize.method, hello);
    expect(await client.sendRequest(Shutdown.method)).toBeNull();
  });

  it('answers params that do not match the schema with InvalidParams', async () => {
    await client.sendRequest(Initialize.method, hello);
    const e = (await client.sendRequest(Fail.method, { kind: 1 }).catch((err: unknown) => err)) as ResponseError<unknown>;
    expect(e.code).toBe(ErrorCodes.InvalidParams);
    expect(e.message).toBe('invalid test/fail request: kind: Invalid input: expected string, received number');
  });

  it("hands the CLI's client the code with the daemon's sentence", async () => {
    await client.sendRequest(Initialize.method, hello);
    const cli = new DaemonClient(client, '/tmp/daemon.log');
    const e = await cli.request(Fail, { kind: 'engine' }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(BerthError);
    expect(e).toMatchObject({ code: BerthErrorCode.EngineUnavailable, message: 'server x failed to start: the Docker engine is not reachable' });
  });
});
