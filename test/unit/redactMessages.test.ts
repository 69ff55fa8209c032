import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactMessage } from '../../daemon/api/redactMessages.js';
import { AuditLog } from '../../daemon/logs/audit.js';
import { Redactor, redactStrings } from '../../daemon/secrets/redact.js';

const redactor = new Redactor(() => ['tok-secret-value']);
const redact = (t: string) => redactor.redact(t);

describe('messages leave the daemon redacted', () => {
  it("replaces a secret in a JSON-RPC error's message and data, keeping its code", () => {
    const msg = { jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'auth failed for tok-secret-value', data: { x: 1, why: 'tok-secret-value' } } };
    expect(redactMessage(msg, redactor)).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'auth failed for [redacted secret]', data: { x: 1, why: '[redacted secret]' } } });
    expect(msg.error.message).toBe('auth failed for tok-secret-value');
  });

  it('replaces a secret anywhere in a tool, prompt or resource result, and in notification params', () => {
    const tool = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'token: tok-secret-value' }], structuredContent: { 'tok-secret-value': ['x tok-secret-value'] } } };
    expect(redactMessage(tool, redactor)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'token: [redacted secret]' }], structuredContent: { '[redacted secret]': ['x [redacted secret]'] } },
    });
    const prompt = { jsonrpc: '2.0', id: 2, result: { messages: [{ role: 'user', content: { type: 'text', text: 'use tok-secret-value' } }] } };
    expect(redactMessage(prompt, redactor).result.messages[0]!.content.text).toBe('use [redacted secret]');
    const resource = { jsonrpc: '2.0', id: 3, result: { contents: [{ uri: 'env://x', mimeType: 'text/plain', text: 'TOKEN=tok-secret-value' }] } };
    expect(redactMessage(resource, redactor).result.contents[0]!.text).toBe('TOKEN=[redacted secret]');
    const note = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 1, progress: 1, message: 'sent tok-secret-value' } };
    expect(redactMessage(note, redactor).params.message).toBe('sent [redacted secret]');
    expect(tool.result.content[0]!.text).toBe('token: tok-secret-value');
  });

  it('passes clean messages through as the same objects, numbers, booleans and nulls untouched', () => {
    const result = { jsonrpc: '2.0', id: 1, result: { text: 'nothing here', n: 3, ok: true, none: null, list: [1, 'a'] } };
    const clean = { jsonrpc: '2.0', id: 2, error: { code: 1, message: 'nothing here' } };
    expect(redactMessage(result, redactor)).toBe(result);
    expect(redactMessage(clean, redactor)).toBe(clean);
    expect(redactMessage({ jsonrpc: '2.0', method: 'x' }, redactor)).toEqual({ jsonrpc: '2.0', method: 'x' });
    const changed = redactStrings({ keep: { deep: ['x'] }, hit: 'tok-secret-value' }, redact);
    expect(changed).toEqual({ keep: { deep: ['x'] }, hit: '[redacted secret]' });
  });

  it('walks no message while no secret is known, and redacts again as soon as one is', () => {
    const known: string[] = [];
    const late = new Redactor(() => known);
    let walked = 0;
    const message = { jsonrpc: '2.0', id: 1, result: { get text() { walked++; return 'token: tok-late-value'; } } };
    expect(redactMessage(message, late)).toBe(message);
    expect(walked).toBe(0);
    known.push('tok-late-value');
    late.refresh();
    expect(redactMessage(message, late).result).toEqual({ text: 'token: [redacted secret]' });
  });

  it('the audit log redacts the texts it records', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-audit-'));
    try {
      const audit = new AuditLog(dir, redact);
      audit.record({ t: 1, client: 'c', server: 's', tool: 'echo', ms: 2, outcome: 'error', error: 'MCP error -32603: token tok-secret-value rejected' });
      await audit.close();
      const text = readFileSync(path.join(dir, 'audit.log'), 'utf8');
      expect(text).toContain('token [redacted secret] rejected');
      expect(text).not.toContain('tok-secret-value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
