import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEntry } from '../../daemon/logs/audit.js';

const entry = (i: number): AuditEntry => ({ t: i, client: 'c', server: 's', tool: `tool${i}`, ms: 1, outcome: 'ok' });

describe('the audit log', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'berth-audit-'));
    file = path.join(dir, 'audit.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('hands each call to its observer (the call metrics) as recorded, secrets redacted', async () => {
    const seen: AuditEntry[] = [];
    const audit = new AuditLog(dir, (text) => text.replaceAll('hunter2', '[redacted secret]'), (e) => seen.push(e));
    audit.record({ ...entry(1), tool: 'hunter2', outcome: 'error', error: 'bad hunter2' });
    expect(seen).toEqual([{ ...entry(1), tool: '[redacted secret]', outcome: 'error', error: 'bad [redacted secret]' }]);
    await audit.close();
  });

  it('never makes a call wait on the disk: nothing is written while the call records', async () => {
    const audit = new AuditLog(dir);
    audit.record(entry(1));
    expect(existsSync(file)).toBe(false);
    await audit.close();
    expect(existsSync(file)).toBe(true);
  });

  it('writes every call as one line, in the order recorded, across batches', async () => {
    const audit = new AuditLog(dir);
    for (let i = 0; i < 50; i++) audit.record(entry(i));
    await new Promise((r) => setImmediate(r));
    // Recorded while the first batch is on its way to the disk.
    for (let i = 50; i < 100; i++) audit.record(entry(i));
    await audit.close();
    const tools = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as AuditEntry).tool);
    expect(tools).toEqual(Array.from({ length: 100 }, (_, i) => `tool${i}`));
  });

  it('moves a log past 5 MiB aside to audit.log.1 and starts a new one', async () => {
    writeFileSync(file, `${'x'.repeat(5 * 1024 * 1024)}\n`);
    const audit = new AuditLog(dir);
    audit.record(entry(1));
    await audit.close();
    expect(readFileSync(`${file}.1`, 'utf8')).toHaveLength(5 * 1024 * 1024 + 1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ tool: 'tool1' });
  });

  it('makes the file afresh when it was removed while the daemon runs', async () => {
    const audit = new AuditLog(dir);
    audit.record(entry(1));
    while (!existsSync(file) || !readFileSync(file, 'utf8').includes('tool1')) await sleep(5);
    rmSync(file);
    audit.record(entry(2));
    await audit.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ tool: 'tool2' });
  });
});

describe('the audit log on a disk that fails', () => {
  it('counts the records it could not write, says so once, and writes the gap down when writing works again', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-audit-'));
    const file = path.join(dir, 'audit.log');
    // A folder where the file should be: every open of it fails.
    mkdirSync(file);
    const notices: string[] = [];
    const audit = new AuditLog(dir, undefined, undefined, (s) => notices.push(s));
    for (let i = 0; i < 3; i++) audit.record(entry(i));
    await audit.close();
    audit.record(entry(3));
    await audit.close();
    expect(audit.dropped).toBe(4);
    expect(notices).toEqual([expect.stringMatching(/^could not write the audit log .*audit\.log \(.*\); its records are counted as lost until writing works again/)]);
    rmSync(file, { recursive: true });
    audit.record(entry(4));
    await audit.close();
    expect(audit.dropped).toBe(0);
    expect(notices[1]).toMatch(/^writing the audit log .* works again; 4 records were lost meanwhile/);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ action: 'audit-gap', outcome: expect.stringMatching(/^4 audit records were not written \(/) }), expect.objectContaining({ tool: 'tool4' })]);
    rmSync(dir, { recursive: true, force: true });
  });
});
