import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

describe('berth add tells the truth about what it wrote', () => {
  let home: TestHome;
  let work: string;

  beforeAll(async () => {
    home = await TestHome.create();
    work = await mkdtemp(path.join(os.tmpdir(), 'berth-add-'));
  });

  afterAll(async () => {
    await home.dispose();
    await rm(work, { recursive: true, force: true });
  });

  it('with an error elsewhere in the spec file, says what it wrote and that nothing applies until the error is fixed (item 6)', async () => {
    await home.writeSpecs(`servers:\n  broken:\n    image: ${FIXTURE_IMAGE}\n    limits: { memory: lots }\n`);
    const add = await home.berth(['add', 'foo', '--image', FIXTURE_IMAGE, '--start']);
    expect(add.code).toBe(1);
    expect(add.stderr).toContain(`wrote foo to ${home.paths.userSpecFile}, but it does not apply yet (and was not started): nothing in the spec files applies until this error is fixed: `);
    expect(add.stderr).toContain('servers.broken.limits');
    expect(await home.readSpecs()).toContain('foo:');
    const rmFoo = await home.berth(['rm', 'foo']);
    expect(rmFoo.code).toBe(1);
    expect(rmFoo.stderr).toContain('server "foo" is not loaded, because a spec file has an error and nothing in it applies until that is fixed: ');
    await home.writeSpecs('servers: {}\n');
  });

  it('a failed --start says the server was added, and how to retry or remove it (item 7)', async () => {
    await home.writeSpecs('servers: {}\n');
    const add = await home.berth(['add', 'crash', '--image', FIXTURE_IMAGE, '--arg', '/app/no-such-file.js', '--start']);
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/^berth: added crash, but it failed to start: it exited with code 1 before answering MCP initialize.*; fix that and `berth start crash`, or `berth rm crash` to remove it\n$/);
    expect(await home.readSpecs()).toContain('crash:');
    await home.ok(['rm', 'crash']);
  });

  it('refuses a volume whose source does not exist, and never lets the engine make it (item 8)', async () => {
    await home.writeSpecs('servers: {}\n');
    const missing = path.join(work, 'typo-no-such-dir');
    const add = await home.berth(['add', 'typo', '--image', FIXTURE_IMAGE, '--arg', '/app/tools.js', '--volume', `${missing}:/data`]);
    expect(add.code).toBe(1);
    expect(add.stderr).toContain(`the volume source ${missing} of typo does not exist on this machine; create it or correct the path`);
    expect(await home.readSpecs()).not.toContain('typo:');

    // Written by hand: the start is refused with the same sentence, and no folder appears.
    await home.writeSpecs(`servers:\n  typo:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n    volumes: [{ source: ${missing}, target: /data }]\n`);
    await waitFor('the hand-written server to load', async () => (await home.status()).servers.some((s) => s.name === 'typo'));
    const start = await home.berth(['start', 'typo']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(`the volume source ${missing} of typo does not exist on this machine`);
    expect(existsSync(missing)).toBe(false);
    await home.writeSpecs('servers: {}\n');
  });

  it('takes a relative --volume source from the current folder, as --folder is (item 13)', async () => {
    await home.writeSpecs('servers: {}\n');
    await mkdir(path.join(work, 'data'));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [BERTH, 'add', 'rel', '--image', FIXTURE_IMAGE, '--arg', '/app/tools.js', '--volume', './data:/data:ro'], { env: home.env, cwd: work }, (err, _out, stderr) =>
        resolve({ code: err ? Number(err.code ?? 1) : 0, stderr }),
      );
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await home.readSpecs()).toContain(path.join(work, 'data'));
    await home.ok(['rm', 'rel']);
  });
});
