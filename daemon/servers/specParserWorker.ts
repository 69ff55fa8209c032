// The parser worker's entry: parses the text it is given (a spec file, or a scenario file) and posts the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { parseMcpTest } from '../protocol/mcptestYaml.js';
import { parseYaml } from './specYaml.js';

const { text, kind } = workerData as { text: string; kind?: 'spec' | 'mcptest' };
parentPort?.postMessage(kind === 'mcptest' ? parseMcpTest(text) : parseYaml(text));
