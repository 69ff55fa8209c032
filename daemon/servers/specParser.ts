import { Worker } from 'node:worker_threads';
import { parseYaml, type YamlResult } from './specYaml.js';

declare const __BERTH_SPEC_PARSER__: string | undefined;
/** The worker's code, bundled into dist/berth.js at build time; absent when run from source (tests). */
const WORKER_SOURCE = typeof __BERTH_SPEC_PARSER__ === 'string' ? __BERTH_SPEC_PARSER__ : undefined;

/** A spec file that takes longer than this to parse is refused: no hand-written file comes near it. */
export const PARSE_BUDGET_MS = 10_000;
const PARSE_MEMORY_MB = 256;

/**
 * Parses spec YAML off the daemon's event loop, in a worker with a time and memory budget, so a
 * hostile workspace file cannot stall the gateway and every window (nor take the daemon's memory).
 */
export function parseYamlOffThread(text: string): Promise<YamlResult> {
  if (!WORKER_SOURCE) return Promise.resolve(parseYaml(text));
  const source = WORKER_SOURCE;
  return new Promise((resolve) => {
    const worker = new Worker(source, { eval: true, workerData: { text }, resourceLimits: { maxOldGenerationSizeMb: PARSE_MEMORY_MB } });
    const done = (result: YamlResult) => {
      clearTimeout(timer);
      worker.removeAllListeners();
      void worker.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => done({ error: `it takes longer than ${PARSE_BUDGET_MS / 1000} s to parse; simplify it` }), PARSE_BUDGET_MS);
    worker.once('message', (result: YamlResult) => done(result));
    worker.once('error', (e: NodeJS.ErrnoException) =>
      done({ error: e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it needs more than ${PARSE_MEMORY_MB} MB to parse; simplify it` : `it could not be parsed: ${e.message}` }),
    );
    worker.once('exit', () => done({ error: 'it could not be parsed: the parser stopped' }));
  });
}
