import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactError } from '../../daemon/api/redactErrors.js';
import { AuditLog } from '../../daemon/logs/audit.js';
import { Redactor } from '../../daemon/secrets/redact.js';

const redactor = new Redactor(() => ['tok-secret-value']);
const redact = (t: string) => redactor.redact(t);

describe('errors leave the daemon redacted', () => {
  it("replaces a secret in a JSON-RPC error's message, keeping code and data", () => {
    const msg = { jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'auth failed for tok-secret-value', data: { x: 1 } } };
    expect(redactError(msg, redact)).toEqual({ jsonrpc: '2.0', id: 3, error: { code: -32603, message: 'auth failed for [redacted secret]', data: { x: 1 } } });
    expect(msg.error.message).toBe('auth failed for tok-secret-value');
  });

  it('passes results, requests and clean errors through as they are', () => {
    const result = { jsonrpc: '2.0', id: 1, result: { text: 'tok-secret-value' } };
    const clean = { jsonrpc: '2.0', id: 2, error: { code: 1, message: 'nothing here' } };
    expect(redactError(result, redact)).toBe(result);
    expect(redactError(clean, redact)).toBe(clean);
    expect(redactError({ jsonrpc: '2.0', method: 'x' }, redact)).toEqual({ jsonrpc: '2.0', method: 'x' });
  });

  it('the audit log redacts the texts it records', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-audit-'));
    try {
      new AuditLog(dir, redact).record({ t: 1, client: 'c', server: 's', tool: 'echo', ms: 2, outcome: 'error', error: 'MCP error -32603: token tok-secret-value rejected' });
      const text = readFileSync(path.join(dir, 'audit.log'), 'utf8');
      expect(text).toContain('token [redacted secret] rejected');
      expect(text).not.toContain('tok-secret-value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
