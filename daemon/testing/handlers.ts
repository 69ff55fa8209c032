import type { MessageConnection } from 'vscode-jsonrpc/node';
import { TestsAcceptSnapshot, TestsDidReport, TestsInit, TestsRun } from '../protocol/testRuns.js';
import { ConflictError } from '../protocol/errors.js';
import { writeStarterFile } from './init.js';
import { handle, notify } from '../api/rpc.js';
import { acceptSnapshot, runTests, type RunnerDeps } from './runner.js';

/**
 * Test runs over the daemon API. A run ends early when its client cancels the request or its
 * connection closes (a CLI killed mid-run): either way its throwaway containers are removed.
 */
export function registerTestHandlers(connection: MessageConnection, deps: RunnerDeps, closed: AbortSignal): void {
  handle(connection, TestsRun, async (p, token) => {
    const cancel = new AbortController();
    const stop = () => cancel.abort();
    const listener = token.onCancellationRequested(stop);
    closed.addEventListener('abort', stop);
    try {
      return await runTests(deps, p, cancel.signal, (event) => {
        if (p.progressToken) notify(connection, TestsDidReport, { token: p.progressToken, event });
      });
    } finally {
      listener.dispose();
      closed.removeEventListener('abort', stop);
    }
  });

  handle(connection, TestsInit, async (p) => {
    await deps.registry.sync();
    const sup = deps.registry.get(p.server);
    if (!sup.running) await sup.start();
    const caps = sup.offeredCapabilities;
    if (!caps) throw new ConflictError(`server ${p.server} is ${sup.phase}; its tools are known once it has started`);
    const cases = await writeStarterFile(p.file, p.server, caps).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'EEXIST' ? new ConflictError(`${p.file} already exists; edit it, or remove it to start again`) : e;
    });
    return { file: p.file, cases };
  });

  handle(connection, TestsAcceptSnapshot, async (p) => ({ snapshot: await acceptSnapshot(deps, p.file) }));
}
