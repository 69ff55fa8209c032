import { parseDocument } from 'yaml';

/** A spec file's text as plain data, or why it is not YAML (with the line, when known). */
export type YamlResult = { value: unknown } | { error: string; line?: number };

/** Aliases expanded per file: far more than a person writes, far fewer than a "billion laughs" needs. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML without trusting it: an alias bomb is an error, not a hang. Runs inside the parser
 * worker (see specParser.ts), so it must stay free of anything but the yaml library.
 */
export function parseYaml(text: string): YamlResult {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  // Only the first line of the library's message, less its position (given apart): the rest quotes the file's text.
  if (first) return { error: (first.message.split('\n')[0] ?? 'invalid').replace(/ at line \d+, column \d+:?$/, ''), line: first.linePos?.[0].line };
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {} };
  } catch {
    return { error: `its aliases expand to too much data (over ${MAX_ALIAS_COUNT} expansions, as in an alias bomb); write the values out instead` };
  }
}
