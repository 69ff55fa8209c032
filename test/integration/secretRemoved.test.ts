import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

async function setSecret(home: TestHome, name: string, value: string): Promise<void> {
  const secret = spawn(process.execPath, [BERTH, 'secret', 'set', name], { env: home.env, stdio: ['pipe', 'ignore', 'inherit'] });
  secret.stdin.end(value);
  const code = await new Promise((resolve) => secret.once('exit', resolve));
  if (code !== 0) throw new Error(`berth secret set ${name} exited ${String(code)}`);
}

describe('removing a secret a running server uses', () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await TestHome.create();
    await setSecret(home, 'FH_TOKEN', 'value-one');
    await home.writeSpecs(`servers:\n  uses:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n    secrets: [FH_TOKEN]\n`);
  });

  afterAll(async () => {
    await home.dispose();
  });

  it('warns at rm, and the next daemon keeps the server running with a sentence instead of removing it', async () => {
    await home.ok(['start', 'uses']);
    const before = (await home.server('uses')).containerId;

    const out = await home.ok(['secret', 'rm', 'FH_TOKEN']);
    expect(out.trim()).toBe('removed FH_TOKEN; uses uses it: a running one keeps the value it started with, and none starts again until it is set (`berth secret set FH_TOKEN`) or taken out of its spec');

    await home.killDaemon();
    const after = await waitFor('the next daemon to adopt uses', async () => {
      const s = await home.server('uses');
      return s.phase === 'healthy' && s.message ? s : undefined;
    });
    expect(after.containerId).toBe(before);
    expect(after.message).toBe('secret FH_TOKEN was removed after its container was made; it goes on running with the value it started with, and will not start again until `berth secret set FH_TOKEN`');
    expect((await home.containers()).map((c) => c.id)).toEqual([before]);
  });
});
