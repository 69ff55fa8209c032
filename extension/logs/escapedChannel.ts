import type * as vscode from 'vscode';
import { printable } from '../../daemon/protocol/printable.js';

/** The calls that write one entry (or part of one) of text that may quote a server or the daemon. */
const WRITES = new Set<string | symbol>(['debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

/**
 * A log channel whose entries have their control characters escaped: an output channel shows no
 * terminal sequences, but a line break inside one entry would show a line that reads as an entry
 * of its own, with a timestamp the text chose. Trace entries are left as they are: they are
 * multi-line by design (a request, then its params as JSON, which escapes line breaks itself).
 */
export function escapedChannel(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get: (target, key) => {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => unknown).bind(target);
      if (!WRITES.has(key)) return bound;
      return (message: unknown, ...args: unknown[]) => bound(typeof message === 'string' ? printable(message) : message, ...args);
    },
  });
}
