import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);

const PER_CASE = `server: catalog:memory
fresh: per-case
cases:
  - id: writes
    call: create_entities
    args: { entities: [{ name: Alice, entityType: person, observations: [x] }] }
  - id: starts-empty
    call: read_graph
    expect: { jsonPath: { "$.structuredContent.entities": [] } }
`;

const SLOW = `server: image:${FIXTURE_IMAGE}
args: [/app/slow.js]
cases:
  - id: long-call
    call: wait
    args: { ms: 600000 }
`;

describe('berth test: throwaway servers', () => {
  let home: TestHome;
  let dir: string;
  /** Containers of this home's test runs, straight from the engine. */
  const throwaways = async () => (await home.containers()).filter((c) => c.server.startsWith('test-'));
  const labelled = async () =>
    (await docker('docker', ['ps', '-a', '-q', '--filter', `label=berth.instance=${home.paths.instance}`, '--filter', 'label=berth.test-run'])).stdout.split('\n').filter(Boolean);

  beforeAll(async () => {
    home = await TestHome.create();
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-mcptest-'));
    await writeFile(path.join(dir, 'per-case.mcptest.yaml'), PER_CASE);
    await writeFile(path.join(dir, 'slow.mcptest.yaml'), SLOW);
  });
  afterAll(async () => {
    await home.dispose();
  });

  it('gives each case a fresh catalog server and removes every one after the run', async () => {
    const r = await home.berth(['test', path.join(dir, 'per-case.mcptest.yaml')]);
    expect(r.stdout).toMatch(/^2 passed, 0 failed/m);
    expect(r.code).toBe(0);
    expect(await labelled()).toEqual([]);
    // Nothing was added to the user's servers.
    expect((await home.status()).servers).toEqual([]);
  });

  it('runs a throwaway hardened like any server, and removes it when the CLI is killed mid-run', async () => {
    const cli = spawn(process.execPath, [BERTH, 'test', path.join(dir, 'slow.mcptest.yaml')], { env: home.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    const [c] = await waitFor('the throwaway server to run', async () => {
      const running = (await throwaways()).filter((t) => t.state === 'running');
      return running.length ? running : undefined;
    });
    const { stdout } = await docker('docker', ['inspect', c!.id]);
    const [info] = JSON.parse(stdout) as { Config: { User: string; Labels: Record<string, string> }; HostConfig: Record<string, unknown> }[];
    expect(info!.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info!.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info!.HostConfig.NetworkMode).toBe('none');
    expect(info!.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(info!.Config.User).toBe('10001:10001');
    expect(info!.Config.Labels['berth.test-run']).toMatch(/^[0-9a-f]{8}$/);

    cli.kill('SIGKILL');
    await exited;
    await waitFor('no throwaway container left', async () => (await labelled()).length === 0);
  });

  it('Ctrl-C stops the run: the summary is printed, the CLI exits 1, and the throwaway is gone', async () => {
    const cli = spawn(process.execPath, [BERTH, 'test', path.join(dir, 'slow.mcptest.yaml')], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    cli.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    await waitFor('the throwaway server to run', async () => (await throwaways()).some((t) => t.state === 'running'));
    cli.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toContain('stopping the test run (Ctrl-C again to leave at once)');
    expect(stderr).toContain('berth: the test run was interrupted');
    // Interrupted while its server started, the case is skipped; during its call, it fails.
    expect(stdout).toMatch(/^0 passed, (1 failed|0 failed, 1 skipped) \(/m);
    expect(await labelled()).toEqual([]);
  });

  it('a daemon killed mid-run leaves its throwaway behind; the next daemon removes it', async () => {
    const cli = spawn(process.execPath, [BERTH, 'test', path.join(dir, 'slow.mcptest.yaml')], { env: home.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => cli.once('exit', resolve));
    await waitFor('the throwaway server to run', async () => (await throwaways()).some((t) => t.state === 'running'));
    await home.killDaemon('SIGKILL');
    await exited;
    expect((await labelled()).length).toBe(1);
    await home.status();
    await waitFor('the new daemon to remove the leftover', async () => (await labelled()).length === 0);
  });
});
