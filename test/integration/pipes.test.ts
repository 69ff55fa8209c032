import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, TestHome } from '../support.js';

/** Runs a verb whose reader is gone before it writes (`| head -c 0`): its exit code and stderr. */
function withClosedReader(home: TestHome, args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BERTH, ...args], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a reader that stops early', () => {
  let home: TestHome;
  beforeAll(async () => {
    home = await TestHome.create();
    await home.ok(['status']);
  });
  afterAll(() => home.dispose());

  it('ends the verb quietly, with no EPIPE stack trace (issue 22 item 10)', async () => {
    for (const args of [['status', '--json'], ['catalog']]) {
      const r = await withClosedReader(home, args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
  });
});
