/**
 * Text a server or a client controls (log lines, error messages, tool names and descriptions) is
 * shown on terminals and written to line-based logs. Raw, an escape sequence in it can clear a
 * screen or retitle a window, and a line break in it can forge a record of its own, with its own
 * timestamp. These make such text safe where it is shown; what is stored stays as it came.
 */

// C0 controls but tab (harmless), DEL, C1 controls, and the Unicode line and paragraph separators
// (which editors and JSON readers may take for line breaks).
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;
// The same but a line feed, and a carriage return that ends a line: text whose lines are its own.
const CONTROL_BUT_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]|\r(?!\n)/g;

function escape(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  return code > 0xff ? `\\u${code.toString(16)}` : `\\x${code.toString(16).padStart(2, '0')}`;
}

/**
 * Control characters as visible escapes (`\x1b`, `\n`, `\r`, `\u2028`): one line, with no effect
 * on a terminal. `keepNewlines` keeps line breaks, for multi-line text that is no record of a log
 * (a tool's result printed by `berth call`).
 */
export function printable(text: string, o: { keepNewlines?: boolean } = {}): string {
  return text.replace(o.keepNewlines ? CONTROL_BUT_NEWLINES : CONTROL, escape);
}

// What JSON.stringify leaves raw of the above: it escapes only C0.
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * JSON.stringify, with the control characters it leaves raw (DEL, C1, the line separators) written
 * as `\uXXXX` too: the same value for any JSON reader, and nothing a terminal acts on.
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(RAW_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
