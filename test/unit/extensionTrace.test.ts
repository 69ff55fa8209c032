import { PassThrough } from 'node:stream';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, Trace, TraceFormat, type Tracer } from 'vscode-jsonrpc/node';
import type * as vscode from 'vscode';
import { describe, expect, it } from 'vitest';
import { redactingTraceChannel } from '../../extension/logs/redactTrace.js';

const SECRET = 'tok-9f8e7d6c5b4a-secret';
const PASSPHRASE = 'correct horse battery staple';

/**
 * A real JSON-RPC connection traced the way vscode-languageclient traces the daemon connection
 * (`berth.trace.server`): each entry becomes one `trace()` call on the trace channel, here the
 * window's Berth channel behind `redactingTraceChannel`.
 */
async function traced(format: TraceFormat): Promise<string[]> {
  const entries: string[] = [];
  const channel = { name: 'Berth', logLevel: 1, trace: (m: string) => entries.push(m), info: () => undefined } as unknown as vscode.LogOutputChannel;
  const out = redactingTraceChannel(channel);
  // As BaseLanguageClient's tracer: text entries are `message\ndata`, JSON entries are stringified objects.
  const tracer: Tracer = { log: (m: string | object, data?: string) => out.trace(typeof m === 'string' ? (data ? `${m}\n${data}` : m) : JSON.stringify(m)) };
  const toDaemon = new PassThrough();
  const fromDaemon = new PassThrough();
  const client = createMessageConnection(new StreamMessageReader(fromDaemon), new StreamMessageWriter(toDaemon));
  const daemon = createMessageConnection(new StreamMessageReader(toDaemon), new StreamMessageWriter(fromDaemon));
  daemon.onRequest((method) => (method === 'secrets/provide' ? [{ name: 'API_TOKEN', servers: ['gh'] }] : { ok: true }));
  daemon.listen();
  client.listen();
  await client.trace(Trace.Verbose, tracer, { sendNotification: false, traceFormat: format });
  try {
    await client.sendRequest('secrets/provide', { secrets: [{ name: 'API_TOKEN', value: SECRET }] });
    await client.sendRequest('secrets/set', { name: 'API_TOKEN', value: SECRET });
    await client.sendRequest('hosts/add', { name: 'box', url: 'ssh://me@box', passphrase: PASSPHRASE });
    await client.sendRequest('hosts/test', { name: 'box', passphrase: PASSPHRASE });
    await client.sendRequest('servers/list', { name: 'gh' });
  } finally {
    client.dispose();
    daemon.dispose();
  }
  return entries;
}

describe('the daemon-connection trace (berth.trace.server: verbose)', () => {
  it('shows every request, but not the params of those that carry secret values', async () => {
    const entries = await traced(TraceFormat.Text);
    const all = entries.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(PASSPHRASE);
    for (const method of ['secrets/provide', 'secrets/set', 'hosts/add', 'hosts/test']) {
      const entry = entries.find((e) => e.startsWith(`Sending request '${method} - `));
      expect(entry).toMatch(/\nParams: \(not shown: they carry secret values\)$/);
    }
    // Other requests keep their params, and responses are shown as they are.
    expect(entries.find((e) => e.startsWith("Sending request 'servers/list - "))).toContain('"name": "gh"');
    expect(entries.find((e) => e.startsWith("Received response 'secrets/provide - "))).toContain('"servers": [');
  });

  it('leaves them out in the JSON trace format too', async () => {
    const entries = await traced(TraceFormat.JSON);
    const all = entries.join('\n');
    expect(all).not.toContain(SECRET);
    expect(all).not.toContain(PASSPHRASE);
    const sent = entries.map((e) => JSON.parse(e) as { type: string; message: { method?: string; params?: unknown } }).filter((e) => e.type === 'send-request');
    expect(sent.map((e) => [e.message.method, typeof e.message.params])).toEqual([
      ['secrets/provide', 'string'],
      ['secrets/set', 'string'],
      ['hosts/add', 'string'],
      ['hosts/test', 'string'],
      ['servers/list', 'object'],
    ]);
  });
});
