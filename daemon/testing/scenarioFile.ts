import { readFile, stat } from 'node:fs/promises';
import type { ParsedMcpTest } from '../protocol/mcptestYaml.js';
import { parseMcpTestOffThread } from '../servers/specParser.js';

/** A scenario file is a few KiB of YAML; one over this is refused unread (a 27 MB one held the daemon for 41 s). */
export const MAX_SCENARIO_BYTES = 1024 * 1024;

/** A scenario file read with a size cap and parsed off the daemon's event loop; a sentence (without the file's name) when it cannot be. */
export async function readScenario(file: string): Promise<ParsedMcpTest> {
  const st = await stat(file).catch((e: Error) => e);
  if (st instanceof Error) return { ok: false, error: `cannot be read: ${st.message}` };
  if (st.size > MAX_SCENARIO_BYTES) return { ok: false, error: `is ${(st.size / 1024 / 1024).toFixed(1)} MiB, over the ${MAX_SCENARIO_BYTES / 1024 / 1024} MiB a scenario file may be; is it the right file?` };
  const text = await readFile(file, 'utf8').catch((e: Error) => e);
  if (text instanceof Error) return { ok: false, error: `cannot be read: ${text.message}` };
  return parseMcpTestOffThread(text);
}
