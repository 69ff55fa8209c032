import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome } from '../support.js';

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

/** How long a connect may take before the test calls it hung: far above a slow start here, far below "forever". */
const HUNG_MS = 120_000;

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `berth connect NAME` with `input` on its stdin, then its end; kills it (and fails) if it has not exited by HUNG_MS. */
function connect(home: TestHome, name: string, input: string): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BERTH, 'connect', name], { env: home.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`berth connect ${name} was still running after ${HUNG_MS / 1000} s; stderr: ${stderr}`));
    }, HUNG_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function answers(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);
}

describe('berth connect always ends', () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await TestHome.create();
    await home.writeSpecs(`servers:
  tools:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
  unpullable:
    image: berth-test/no-such-image:1
`);
  });

  afterAll(async () => {
    await home.dispose();
  });

  it('exits 1 with the reason when there is no such server and stdin is empty', async () => {
    const r = await connect(home, 'nosuch', '');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('there is no server named');
    expect(r.stdout).toBe('');
  });

  it('answers the pending initialize with a JSON-RPC error when there is no such server', async () => {
    const r = await connect(home, 'nosuch', `${JSON.stringify(INIT)}\n`);
    expect(r.code).toBe(1);
    expect(answers(r.stdout)).toEqual([{ jsonrpc: '2.0', id: 1, error: { code: -32000, message: expect.stringContaining('there is no server named') } }]);
  });

  it('answers initialize with the reason when the image cannot be pulled', async () => {
    const r = await connect(home, 'unpullable', `${JSON.stringify(INIT)}\n`);
    expect(r.code).toBe(1);
    const [answer] = answers(r.stdout) as [{ id: number; error: { message: string } }];
    expect(answer.id).toBe(1);
    expect(answer.error.message).toContain('berth-test/no-such-image:1');
    expect(r.stderr).toContain('berth-test/no-such-image:1');
  });

  it('answers what is in flight when stdin ends, then exits 0', async () => {
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const r = await connect(home, 'tools', `${JSON.stringify(INIT)}\n${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n${JSON.stringify(list)}`);
    expect(r.code).toBe(0);
    const got = answers(r.stdout) as { id: number; result?: { serverInfo?: unknown; tools?: unknown[] } }[];
    expect(got.find((m) => m.id === 1)?.result?.serverInfo).toBeDefined();
    expect(got.find((m) => m.id === 2)?.result?.tools?.length).toBeGreaterThan(0);
  });
});
