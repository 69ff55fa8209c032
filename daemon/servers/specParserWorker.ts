// The spec parser worker's entry: parses the text it is given and posts the result back.
import { parentPort, workerData } from 'node:worker_threads';
import { parseYaml } from './specYaml.js';

parentPort?.postMessage(parseYaml((workerData as { text: string }).text));
