import { RE2JS } from 're2js';

/**
 * A `--grep` pattern as a line test. Patterns come from any client of the shared daemon, so they
 * run on RE2 (time linear in the line), never on a backtracking engine, where one pattern like
 * `(a+)+$` could stall the daemon for everyone.
 */
export function compileGrep(pattern: string): (text: string) => boolean {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const why = (err as Error).message.replace(/^error parsing regexp: /, '');
    throw new Error(`grep pattern ${JSON.stringify(pattern)} is not a valid RE2 regular expression (${why}); RE2 has no backreferences or lookaround`);
  }
  return (text) => re.test(text);
}
