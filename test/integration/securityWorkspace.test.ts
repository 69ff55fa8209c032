import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { ApprovalState } from '../../daemon/protocol/trust.js';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor, type CliResult } from '../support.js';
import { Tally } from '../tally.js';

type WithApproval = { name: string; phase: string; approval?: ApprovalState };

/** Every refusal: one line on stderr that matches each part. */
function oneLine(r: CliResult, ...parts: (string | RegExp)[]): void {
  const lines = r.stderr.split('\n').filter((l) => l && !/npm warn/i.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  for (const p of parts) expect(lines[0]).toMatch(p);
}

/**
 * Issue 21, items 1 and 2: a repository's `.berth/servers.yaml` is untrusted. What no workspace
 * may carry is refused per server; anything else runs only once the user approved exactly what it
 * gets, and asks again when that changes. (Kept apart from security.test.ts; the lead folds it in.)
 */
describe('security: a workspace spec file gets only what the user approved', () => {
  /** Every case below, declared so none drops out of the suite's count unseen. */
  const cases = new Tally('hostile workspace spec files', 4);
  let home: TestHome;
  let ws: string;
  let wsFile: string;
  let data: string;

  const server = async (name: string): Promise<WithApproval> => {
    const s = (await home.status()).servers.find((x) => x.name === name) as WithApproval | undefined;
    if (!s) throw new Error(`no server ${name}`);
    return s;
  };
  const containersOf = async (name: string) => (await home.containers()).filter((c) => c.server === name);

  const tokenServer = (mount: string) => `  tok:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
    description: reads your token
    env: { PRINT_ENV: GITHUB_TOKEN }
    secrets: [GITHUB_TOKEN]
    network: bridge
    volumes: [${mount}]
`;

  beforeAll(async () => {
    home = await TestHome.create();
    ws = await mkdtemp(path.join(os.tmpdir(), 'berth-wstrust-'));
    data = path.join(ws, 'data');
    wsFile = path.join(ws, '.berth', 'servers.yaml');
    await mkdir(path.join(ws, '.berth'));
    await mkdir(data);
    // The issue's attack, beside a server that asks for nothing beyond the defaults.
    await writeFile(
      wsFile,
      `servers:
  wsx:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
    volumes:
      - { source: /var/run/docker.sock, target: /var/run/docker.sock, allowSensitive: true }
      - { source: /, target: /host, readOnly: false, allowSensitive: true }
    security: { user: "0:0", noNewPrivileges: false, readOnlyRootfs: false, capAdd: [SYS_ADMIN] }
  caps:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
    security: { capAdd: [NET_ADMIN] }
  nnp:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
    security: { noNewPrivileges: false }
  plain:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
${tokenServer(`{ source: ${data}, target: /data }`)}`,
    );
    const set = await new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [BERTH, 'secret', 'set', 'GITHUB_TOKEN'], { env: home.env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout: '', stderr }));
      child.stdin.end('ghp-wstrust-secret\n');
    });
    expect(set.code, set.stderr).toBe(0);
    await home.ok(['workspace', 'add', ws]);
  });

  afterAll(async () => {
    await home.dispose();
    await rm(ws, { recursive: true, force: true });
    console.log(`security suite (workspace spec files): ${cases.ran} of ${cases.total} hostile files tried, ${cases.passed} held to what was approved`);
    cases.verify();
  });

  cases.it("refuses the issue's attack (docker.sock and / rw with allowSensitive, root, noNewPrivileges false, capAdd), approved or not, naming file, server and field", async () => {
    const r = await home.berth(['start', 'wsx']);
    expect(r.code).toBe(1);
    oneLine(r, `${wsFile}: servers.wsx.volumes.0.allowSensitive: a workspace's spec file may not ask for a sensitive host path`);
    const approve = await home.berth(['workspace', 'approve', ws, 'wsx']);
    expect(approve.code).toBe(1);
    oneLine(approve, 'servers.wsx.volumes.0.allowSensitive', 'approved or not');
    expect(await home.berth(['start', 'wsx'])).toMatchObject({ code: 1 });
    expect(await containersOf('wsx')).toEqual([]);
    expect((await server('wsx')).approval).toMatchObject({ state: 'refused', folder: ws });
  });

  cases.it('refuses added capabilities and noNewPrivileges: false on their own, each with its field', async () => {
    for (const [name, field] of [
      ['caps', 'security.capAdd'],
      ['nnp', 'security.noNewPrivileges'],
    ]) {
      const r = await home.berth(['workspace', 'approve', ws, name ?? '']);
      expect(r.code).toBe(1);
      oneLine(r, `${wsFile}: servers.${name}.${field}: a workspace's spec file may not ask for`);
      expect(await home.berth(['start', name ?? ''])).toMatchObject({ code: 1 });
      expect(await containersOf(name ?? '')).toEqual([]);
    }
  });

  cases.it("runs the file's other servers once approved: a refused one does not take them down", async () => {
    const r = await home.berth(['start', 'plain']);
    expect(r.code).toBe(1);
    oneLine(r, `server plain comes from the workspace ${ws} and runs only once you approve what it asks for; run \`berth workspace approve ${ws} plain\``);
    expect(await containersOf('plain')).toEqual([]);
    const approved = await home.ok(['workspace', 'approve', ws, 'plain']);
    expect(approved).toContain(`approved plain from ${ws}; it gets:`);
    expect(approved).toContain(`image ${FIXTURE_IMAGE}`);
    await waitFor('plain healthy', async () => (await server('plain')).phase === 'healthy');
  });

  cases.it('keeps a server that names a stored secret and asks for bridge from starting before approval, starts it after, and asks again after a mount is edited', async () => {
    const r = await home.berth(['start', 'tok']);
    expect(r.code).toBe(1);
    oneLine(r, `berth workspace approve ${ws} tok`);
    expect(await containersOf('tok')).toEqual([]);

    // `berth status` says it needs approval, and what it asks for.
    const before = await server('tok');
    expect(before.approval).toMatchObject({ state: 'needs-approval', folder: ws });
    expect(before.approval?.asks).toEqual(expect.arrayContaining(['your secrets: GITHUB_TOKEN', expect.stringMatching(/^network: bridge/), `mount ${data} at /data (read-only)`]));
    const table = await home.ok(['status']);
    expect(table).toMatch(/^tok\s+local\s+needs approval/m);
    expect(table).toContain('asks for: your secrets: GITHUB_TOKEN');

    const approved = await home.ok(['workspace', 'approve', ws, 'tok']);
    expect(approved).toContain('your secrets: GITHUB_TOKEN');
    // The start the user asked for before is what runs once approved.
    await waitFor('tok healthy', async () => (await server('tok')).phase === 'healthy');
    expect((await server('tok')).approval).toBeUndefined();

    // A description is no grant: no new approval.
    const file = (await import('node:fs/promises')).readFile;
    await writeFile(wsFile, (await file(wsFile, 'utf8')).replace('reads your token', 'reads your token, politely'));
    await waitFor('new description loaded', async () => ((await server('tok')) as { description?: string }).description === 'reads your token, politely');
    expect((await server('tok')).approval).toBeUndefined();
    expect((await server('tok')).phase).toBe('healthy');

    // The mount made writable: it asks again, and the container stops.
    await writeFile(wsFile, (await file(wsFile, 'utf8')).replace(`{ source: ${data}, target: /data }`, `{ source: ${data}, target: /data, readOnly: false }`));
    const asked = await waitFor('tok needs approval again', async () => {
      const s = await server('tok');
      return s.approval?.state === 'needs-approval' && s.phase === 'stopped' ? s : undefined;
    });
    expect(asked.approval?.reason).toContain('now asks for something other than what you approved');
    expect(asked.approval?.asks).toContain(`mount ${data} at /data (rw: it may write there)`);
    expect((await containersOf('tok')).filter((c) => c.state === 'running')).toEqual([]);
    expect(await home.berth(['start', 'tok'])).toMatchObject({ code: 1 });
  });
});
