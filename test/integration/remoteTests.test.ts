import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestRunResult } from '../../daemon/protocol/testRuns.js';
import { EVERYTHING_IMAGE, provisionSecondEngine, RemoteHost, remoteContainers, remoteDocker } from '../remoteSupport.js';
import { TestHome } from '../support.js';

/** A scenario file run on the local engine and on an SSH host side by side, with throwaway servers on both. */
describe('berth test on an SSH host', () => {
  let remote: RemoteHost;
  let home: TestHome;
  let dir: string;
  const saved = { HOME: process.env.HOME, SSH_AUTH_SOCK: process.env.SSH_AUTH_SOCK };

  beforeAll(async () => {
    await provisionSecondEngine([EVERYTHING_IMAGE]);
    remote = await RemoteHost.start();
    // The daemon and the CLI read ~/.ssh from here: the client side of SSH.
    process.env.HOME = remote.home;
    process.env.SSH_AUTH_SOCK = '';
    home = await TestHome.create();
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-mcptest-'));
    await home.ok(['host', 'add', 'build', remote.url(), '--accept-host-key', await remote.fingerprint('a')]);
  });
  afterAll(async () => {
    const left = (await remoteContainers(home.paths.instance).catch(() => [])).map((c) => c.id);
    if (left.length) await remoteDocker(['rm', '-f', ...left]);
    await home.dispose();
    await remote.stop();
    process.env.HOME = saved.HOME;
    process.env.SSH_AUTH_SOCK = saved.SSH_AUTH_SOCK;
  });

  it('passes on both hosts, reports each, and leaves no container on either', async () => {
    const file = path.join(dir, 'both.mcptest.yaml');
    await writeFile(file, 'server: catalog:everything\nhosts: [local, build]\ncases:\n  - id: echo\n    call: echo\n    args: { message: over ssh }\n    expect: { equals: "Echo: over ssh" }\n');
    const r = await home.berth(['test', file, '--json']);
    const run = JSON.parse(r.stdout) as TestRunResult;
    expect(run.files[0]?.cases.map((c) => [c.host, c.status])).toEqual([
      ['local', 'passed'],
      ['build', 'passed'],
    ]);
    expect(r.code).toBe(0);
    expect(await remoteContainers(home.paths.instance)).toEqual([]);
    expect(await home.containers()).toEqual([]);
  });
});
