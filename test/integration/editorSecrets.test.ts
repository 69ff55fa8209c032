import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDaemon } from '../../daemon/client/client.js';
import { SecretsForget, SecretsProvide } from '../../daemon/protocol/policy.js';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);

/**
 * Secrets handed in by an editor over the daemon socket (what the VS Code extension does from its
 * SecretStorage): their lifetime across daemon restarts, changed values, and precedence over
 * stored ones, read back from the real engine.
 */
describe('secrets handed in by an editor', () => {
  let home: TestHome;

  const provide = async (value: string) => {
    const c = await connectDaemon(home.paths, 'editor-secrets-test');
    try {
      return await c.request(SecretsProvide, { secrets: [{ name: 'EDITOR_TOKEN', value }] });
    } finally {
      c.close();
    }
  };
  const forget = async () => {
    const c = await connectDaemon(home.paths, 'editor-secrets-test');
    try {
      return await c.request(SecretsForget, { names: ['EDITOR_TOKEN'] });
    } finally {
      c.close();
    }
  };
  const container = async () => {
    const all = (await home.containers()).filter((c) => c.server === 'ed');
    expect(all.length).toBeLessThanOrEqual(1);
    return all[0];
  };
  const tokenInContainer = async () => {
    const c = await container();
    const { stdout } = await docker('docker', ['inspect', '--format', '{{json .Config.Env}}', c!.id]);
    return (JSON.parse(stdout) as string[]).find((e) => e.startsWith('EDITOR_TOKEN='))?.slice('EDITOR_TOKEN='.length);
  };
  /** No value anywhere: each test sets the values it needs itself, in whatever order the tests run. */
  const reset = async () => {
    await forget();
    await home.berth(['secret', 'rm', 'EDITOR_TOKEN']);
  };
  const sources = async () => (await home.json<{ name: string; sources: string[] }[]>(['secret', 'ls'])).find((s) => s.name === 'EDITOR_TOKEN')?.sources;

  beforeAll(async () => {
    home = await TestHome.create();
    await home.writeSpecs(`servers:
  ed:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js]
    secrets: [EDITOR_TOKEN]
`);
    await home.ok(['status']);
  });
  afterAll(async () => {
    await home.dispose();
  });

  it('a daemon killed with -9 adopts the container made with a handed-in value instead of recreating it', async () => {
    await reset();
    await provide('editor-value-one');
    await home.ok(['restart', 'ed']);
    const before = await container();
    expect(await tokenInContainer()).toBe('editor-value-one');
    expect(await sources()).toEqual(['editor']);
    // The log keeps what earlier cases did to `ed`; only what follows the kill counts here.
    const recreations = async () => (await home.ok(['logs', 'ed'])).match(/recreating/g)?.length ?? 0;
    const recreatedBefore = await recreations();

    await home.killDaemon('SIGKILL');
    await waitFor('ed adopted and healthy', async () => (await home.server('ed')).phase === 'healthy', 60_000);
    expect((await container())?.id).toBe(before?.id);
    // The new daemon has not been handed the value yet; the container keeps the one it was made with.
    expect(await sources()).toEqual([]);
    expect(await recreations()).toBe(recreatedBefore);

    await provide('editor-value-one');
    await home.ok(['restart', 'ed']);
    expect((await container())?.id).toBe(before?.id);
  });

  it('a changed value recreates the container on the next start', async () => {
    await reset();
    await provide('editor-value-one');
    await home.ok(['restart', 'ed']);
    const before = await container();
    await provide('editor-value-two');
    await home.ok(['restart', 'ed']);
    expect((await container())?.id).not.toBe(before?.id);
    expect(await tokenInContainer()).toBe('editor-value-two');
  });

  it("an editor's value wins over a stored one until it is forgotten", async () => {
    await reset();
    await provide('editor-value-two');
    const set = await new Promise<{ code: number; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [BERTH, 'secret', 'set', 'EDITOR_TOKEN'], { env: home.env });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
      child.stdin.end('stored-value-zz\n');
    });
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/the value your editor handed in wins over it/);
    expect(await sources()).toEqual(['editor', 'stored']);
    expect(await home.ok(['secret', 'ls'])).toMatch(/EDITOR_TOKEN\s+editor \(over stored\)/);
    await home.ok(['restart', 'ed']);
    expect(await tokenInContainer()).toBe('editor-value-two');

    expect(await forget()).toEqual({ forgotten: ['EDITOR_TOKEN'] });
    await home.ok(['restart', 'ed']);
    expect(await tokenInContainer()).toBe('stored-value-zz');
  });

  it('a server whose secret is set nowhere does not start, and says how to set it', async () => {
    await reset();
    const r = await home.berth(['restart', 'ed']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('berth: server ed failed to start: server ed needs secret EDITOR_TOKEN, which is not set; set it with `berth secret set EDITOR_TOKEN` or, in VS Code, "Berth: Set Secret…"');
  });
});
