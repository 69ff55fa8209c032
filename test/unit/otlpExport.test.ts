import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../daemon/logs/audit.js';
import { OtlpExporter, telemetrySettingsFile } from '../../daemon/metrics/otlp.js';
import { attr, startCollector } from '../collector.js';

const call = (over: Partial<AuditEntry> = {}): AuditEntry => ({ t: 1_800_000_000_123.5, client: 'vscode', server: 'ev', tool: 'echo', ms: 2.25, outcome: 'ok', ...over });

describe('OTLP/HTTP export of tool-call traces', () => {
  let dir: string;
  let file: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-otlp-'));
    file = telemetrySettingsFile(path.join(dir, 'servers.yaml'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('posts one span per call to the configured collector, with its headers and service name', async () => {
    const collector = await startCollector();
    try {
      await writeFile(file, `otlp:\n  endpoint: ${collector.url}\n  headers: { Authorization: Bearer s3cret }\n  serviceName: my-berth\n`);
      const exporter = new OtlpExporter(file, '1.2.3');
      exporter.record(call());
      exporter.record(call({ tool: 'add', outcome: 'tool-error' }));
      exporter.record(call({ tool: 'slow', outcome: 'error', error: 'timed out after 60 s', ms: 60_000 }));
      await exporter.flush();
      expect(collector.received).toHaveLength(1);
      const [post] = collector.received;
      expect(post?.path).toBe('/v1/traces');
      expect(post?.headers['content-type']).toBe('application/json');
      expect(post?.headers['authorization']).toBe('Bearer s3cret');
      const resource = post?.body.resourceSpans[0]?.resource.attributes;
      expect(resource).toEqual([
        { key: 'service.name', value: { stringValue: 'my-berth' } },
        { key: 'service.version', value: { stringValue: '1.2.3' } },
      ]);
      const spans = collector.spans();
      expect(spans.map((s) => [s.name, attr(s, 'berth.outcome'), s.status])).toEqual([
        ['tools/call echo', 'ok', { code: 1 }],
        ['tools/call add', 'tool-error', { code: 1 }],
        ['tools/call slow', 'error', { code: 2, message: 'timed out after 60 s' }],
      ]);
      const [first] = spans;
      expect(first).toMatchObject({ kind: 2, startTimeUnixNano: '1800000000123500000', endTimeUnixNano: '1800000000125750000' });
      expect(first?.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(first?.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect([attr(first!, 'berth.server'), attr(first!, 'berth.client'), attr(first!, 'gen_ai.tool.name'), attr(first!, 'mcp.method.name')]).toEqual(['ev', 'vscode', 'echo', 'tools/call']);
      expect(new Set(spans.map((s) => s.traceId)).size).toBe(3);
    } finally {
      await collector.close();
    }
  });

  it('sends nothing without a settings file, or with a broken one, and picks up an edit', async () => {
    const collector = await startCollector();
    try {
      const exporter = new OtlpExporter(file, 'dev');
      exporter.record(call());
      await exporter.flush();
      await writeFile(file, 'otlp:\n  endpoint: ftp://example.com/\n');
      exporter.record(call());
      await exporter.flush();
      expect(collector.received).toHaveLength(0);
      // A later mtime: the file is read again.
      await writeFile(file, `otlp:\n  endpoint: ${collector.url}\n`);
      const later = new Date(Date.now() + 5000);
      await import('node:fs/promises').then((fs) => fs.utimes(file, later, later));
      exporter.record(call({ tool: 'after-edit' }));
      await exporter.flush();
      expect(collector.spans().map((s) => s.name)).toEqual(['tools/call after-edit']);
      expect(attr(collector.spans()[0]!, 'berth.server')).toBe('ev');
    } finally {
      await collector.close();
    }
  });

  it('drops a batch the collector refuses or cannot take, and keeps exporting', async () => {
    const refusing = await startCollector(503);
    try {
      await writeFile(file, `otlp:\n  endpoint: ${refusing.url}\n`);
      const exporter = new OtlpExporter(file, 'dev');
      exporter.record(call());
      await exporter.flush();
      expect(refusing.received).toHaveLength(1);
      exporter.record(call({ tool: 'next' }));
      await exporter.flush();
      expect(refusing.spans().map((s) => s.name)).toEqual(['tools/call echo', 'tools/call next']);
    } finally {
      await refusing.close();
    }
    // Nothing listens there any more: the post fails, and flush still settles.
    const exporter = new OtlpExporter(file, 'dev');
    exporter.record(call());
    await expect(exporter.flush()).resolves.toBeUndefined();
  });
});
