import type * as vscode from 'vscode';
import { HostsAdd, HostsTest } from '../../daemon/protocol/hosts.js';
import { SecretsProvide, SecretsSet } from '../../daemon/protocol/policy.js';

/** Requests whose params carry secret values (secrets, SSH key passphrases); the trace shows that they were sent, not what. */
const SECRET_PARAMS = new Set([SecretsSet.method, SecretsProvide.method, HostsAdd.method, HostsTest.method]);
const WITHHELD = '(not shown: they carry secret values)';

/**
 * One entry of the daemon-connection trace (`berth.trace.server`) with the params of a request
 * that carries secrets left out. Text entries read `Sending request 'METHOD - (ID)'.` followed by
 * a `Params: …` block; JSON-format entries are one object with the message in `message`.
 */
export function redactTrace(entry: string): string {
  const sent = /^Sending (?:request|notification) '([^' ]+)/.exec(entry);
  if (sent) {
    if (!SECRET_PARAMS.has(sent[1] ?? '')) return entry;
    const firstLine = entry.split('\n', 1)[0] ?? '';
    return `${firstLine}\nParams: ${WITHHELD}`;
  }
  if (!entry.startsWith('{')) return entry;
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry);
  } catch {
    return entry;
  }
  if (typeof parsed !== 'object' || parsed === null || !('message' in parsed)) return entry;
  const message = parsed.message;
  if (typeof message !== 'object' || message === null || !('method' in message) || !('params' in message)) return entry;
  if (typeof message.method !== 'string' || !SECRET_PARAMS.has(message.method)) return entry;
  return JSON.stringify({ ...parsed, message: { ...message, params: WITHHELD } });
}

/** The channel the language client traces to: the Berth channel, with `redactTrace` applied to each trace entry. */
export function redactingTraceChannel(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  const trace = (message: string, ...args: unknown[]): void => channel.trace(redactTrace(message), ...args);
  return new Proxy(channel, {
    get: (target, key) => {
      if (key === 'trace') return trace;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value.bind(target) as unknown) : value;
    },
  });
}
