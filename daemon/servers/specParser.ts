import { Worker } from 'node:worker_threads';
import { parseMcpTest, type ParsedMcpTest } from '../protocol/mcptestYaml.js';
import { parseYaml, type YamlResult } from './specYaml.js';

declare const __BERTH_SPEC_PARSER__: string | undefined;
/** The worker's code, bundled into dist/berth.js at build time; absent when run from source (tests). */
const WORKER_SOURCE = typeof __BERTH_SPEC_PARSER__ === 'string' ? __BERTH_SPEC_PARSER__ : undefined;

/** A spec (or scenario) file that takes longer than this to parse is refused: no hand-written file comes near it. */
export const PARSE_BUDGET_MS = 10_000;
const PARSE_MEMORY_MB = 256;

/**
 * Parses spec YAML off the daemon's event loop, in a worker with a time and memory budget, so a
 * hostile workspace file cannot stall the gateway and every window (nor take the daemon's memory).
 */
export function parseYamlOffThread(text: string): Promise<YamlResult> {
  return offThread('spec', text, parseYaml, (error) => ({ error }));
}

/** A scenario file (`*.mcptest.yaml`), parsed and checked off the event loop with the same budgets. */
export function parseMcpTestOffThread(text: string): Promise<ParsedMcpTest> {
  return offThread('mcptest', text, parseMcpTest, (error) => ({ ok: false, error }));
}

function offThread<R>(kind: 'spec' | 'mcptest', text: string, inline: (text: string) => R, failed: (error: string) => R): Promise<R> {
  if (!WORKER_SOURCE) return Promise.resolve(inline(text));
  const source = WORKER_SOURCE;
  return new Promise((resolve) => {
    const worker = new Worker(source, { eval: true, workerData: { text, kind }, resourceLimits: { maxOldGenerationSizeMb: PARSE_MEMORY_MB } });
    const done = (result: R) => {
      clearTimeout(timer);
      worker.removeAllListeners();
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => done(failed(`it takes longer than ${PARSE_BUDGET_MS / 1000} s to parse; simplify it`)), PARSE_BUDGET_MS);
    worker.once('message', (result: R) => done(result));
    worker.once('error', (e: NodeJS.ErrnoException) =>
      done(failed(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needs more than ${PARSE_MEMORY_MB} MB to parse; simplify it` : `it could not be parsed: ${e.message}`)),
    );
    worker.once('exit', () => done(failed('it could not be parsed: the parser stopped')));
  });
}
