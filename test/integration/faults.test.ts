import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { findCatalogEntry } from '../../daemon/servers/catalog.js';
import { provisionSecondEngine, remoteContainers, remoteDocker, remoteSocket, restartSecondEngine } from '../remoteSupport.js';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor, type StatusJson } from '../support.js';
import { Tally } from '../tally.js';

const run = promisify(execFile);
const MEMORY_IMAGE = findCatalogEntry('memory')!.spec.image;

/**
 * Faults injected into a real daemon, engine and file system. Each case (faults.it) counts one fault; it
 * survived when every check after it held. Containers lost: a container that held state and was
 * gone (or replaced) after a fault that must not touch it.
 */
const faults = new Tally('faults', 9);
const tally = { lost: 0 };

// After every case, whatever order they ran in: each fault declared in this file was injected and survived.
afterAll(() => {
  process.stdout.write(`faults suite: ${faults.ran} of ${faults.total} injected, ${faults.passed} survived, ${tally.lost} containers lost\n`);
  faults.verify();
});

const ALICE = JSON.stringify({ entities: [{ name: 'Alice', entityType: 'person', observations: ['keeps her state'] }] });

async function healthy(home: TestHome, name: string, timeoutMs = 120_000) {
  return waitFor(`${name} healthy`, async () => {
    const s = await home.server(name);
    return s.phase === 'healthy' ? s : undefined;
  }, timeoutMs);
}

/** Live `berth daemon` processes of this home, from /proc: what a user would see in `ps`. */
function daemonsOf(home: TestHome): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes(BERTH) || !cmd.includes('daemon')) continue;
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`BERTH_HOME=${home.dir}`)) pids.push(Number(entry));
    } catch {
      // It ended while we looked.
    }
  }
  return pids;
}

describe('faults on the local engine', () => {
  let home: TestHome;
  let memId: string;

  beforeAll(async () => {
    home = await TestHome.create();
    await home.ok(['add', 'mem', '--catalog', 'memory', '--start']);
    await home.ok(['call', 'mem', 'create_entities', ALICE]);
    memId = (await home.server('mem')).containerId!;
  });
  afterAll(() => home.dispose());

  /** The memory server still holds Alice in the same container: nothing was lost. */
  async function stateKept(): Promise<void> {
    const s = await healthy(home, 'mem');
    if (s.containerId !== memId) tally.lost++;
    expect(s.containerId).toBe(memId);
    expect(await home.ok(['call', 'mem', 'read_graph'])).toContain('keeps her state');
  }

  faults.it('a spec typo at daemon start freezes what runs; fixing it adopts the same container', async () => {
    // Whatever runs now (mem, and what cases before this one left running) is what must stay as it is.
    const running = (await home.containers()).map((c) => [c.id, c.state]);
    expect(running).toContainEqual([memId, 'running']);
    await home.ok(['daemon', 'stop']);
    const good = await home.readSpecs();
    await appendFile(home.paths.userSpecFile, '  broken: [\n');
    const status = await home.status();
    expect(status.specErrors[0]).toMatch(/servers\.yaml:\d+: not valid YAML/);
    const text = await home.ok(['status']);
    expect(text).toMatch(/left as it is until the file is fixed/);
    expect(text).toMatch(/left the container of server "mem" on local as it is/);
    const frozen = await home.containers();
    expect(frozen.map((c) => [c.id, c.state])).toEqual(running);
    await writeFile(home.paths.userSpecFile, good);
    await stateKept();
    const fixed = await home.status();
    expect([fixed.specErrors, fixed.notices.filter((n) => n.includes('left the container'))]).toEqual([[], []]);
  });

  faults.it('a spec edit followed at once by start: the start sees the edit', async () => {
    const spec = await home.readSpecs();
    await writeFile(home.paths.userSpecFile, `${spec.trimEnd()}\n  quick:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/printer.js]\n`);
    const r = await home.berth(['start', 'quick']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await home.server('quick')).phase).toBe('healthy');
    await home.ok(['rm', 'quick']);
    await stateKept();
  });

  faults.it('20 CLI calls racing a daemon start after kill -9: one daemon, every call answers', async () => {
    await home.killDaemon('SIGKILL');
    expect(daemonsOf(home)).toEqual([]);
    const calls = await Promise.all(Array.from({ length: 20 }, () => home.berth(['status', '--json'], {}, 120_000)));
    for (const c of calls) expect({ code: c.code, stderr: c.stderr, signal: c.signal }).toEqual({ code: 0, stderr: '', signal: undefined });
    const pids = new Set(calls.map((c) => (JSON.parse(c.stdout) as StatusJson).daemon.pid));
    expect(pids.size).toBe(1);
    // Daemons launched by the calls that lost the race exit as soon as they find the lock taken.
    await waitFor('the daemons that lost the race to exit', async () => daemonsOf(home).length === 1);
    expect(daemonsOf(home)).toEqual([...pids]);
    await stateKept();
  });

  faults.it("12 `berth add` at once: every server is added, none lost to another's write", async () => {
    const names = Array.from({ length: 12 }, (_, i) => `many${i}`);
    const adds = await Promise.all(names.map((n) => home.berth(['add', n, '--image', FIXTURE_IMAGE, '--arg', '/app/printer.js'])));
    for (const a of adds) expect({ code: a.code, stderr: a.stderr }).toEqual({ code: 0, stderr: '' });
    const listed = (await home.status()).servers.map((s) => s.name);
    const spec = await home.readSpecs();
    for (const n of names) {
      expect(listed).toContain(n);
      expect(spec).toContain(`  ${n}:`);
    }
    for (const n of names) await home.ok(['rm', n]);
    await stateKept();
  });

  faults.it('damaged state files: reported, kept aside, and the daemon goes on with what runs', async () => {
    await home.ok(['daemon', 'stop']);
    const damaged = ['gateway.json', 'workspaces.json', 'desired.json'];
    for (const f of damaged) await writeFile(path.join(home.paths.stateDir, f), '{"half a file');
    const status = await home.status();
    for (const f of damaged) {
      const file = path.join(home.paths.stateDir, f);
      expect(status.notices.some((n) => n.startsWith(`${file} was damaged`))).toBe(true);
      expect(await readFile(`${file}.damaged`, 'utf8')).toBe('{"half a file');
    }
    await stateKept();
  });

  faults.it('kill -9 of the daemon during a start: the next daemon finishes it, one container', async () => {
    const spec = await home.readSpecs();
    await writeFile(home.paths.userSpecFile, `${spec.trimEnd()}\n  late:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/late.js, "4000"]\n`);
    const start = home.berth(['start', 'late']);
    await waitFor('late container running', async () => (await home.containers(false)).some((c) => c.server === 'late'));
    await home.killDaemon('SIGKILL');
    const r = await start;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/daemon closed the connection/);
    const s = await healthy(home, 'late');
    expect((await home.containers()).filter((c) => c.server === 'late').map((c) => c.id)).toEqual([s.containerId]);
    await stateKept();
  });

  faults.it('a container removed during initialize: the start fails, then on-failure brings it back', async () => {
    // A slow-to-initialize server of its own (the kill -9 case makes another), not started yet.
    const spec = await home.readSpecs();
    await writeFile(home.paths.userSpecFile, `${spec.trimEnd()}\n  late2:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/late.js, "4000"]\n`);
    const start = home.berth(['start', 'late2']);
    const [c] = await waitFor('late container running', async () => {
      const cs = (await home.containers(false)).filter((x) => x.server === 'late2');
      return cs.length ? cs : undefined;
    });
    await run('docker', ['rm', '-f', c!.id]);
    const r = await start;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/late2 failed to start/);
    const s = await healthy(home, 'late2');
    expect(s.containerId).not.toBe(c!.id);
    expect(s.restartCount).toBeGreaterThan(0);
    expect((await home.containers()).filter((x) => x.server === 'late2')).toHaveLength(1);
    await home.ok(['rm', 'late2']);
    await stateKept();
  });
});

describe('the disk under the state folder fills up', () => {
  let home: TestHome;
  let state: string;

  beforeAll(async () => {
    home = await TestHome.create();
    state = home.paths.stateDir;
    await mkdir(state, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', state]);
  });
  afterAll(async () => {
    await home.killDaemon('SIGKILL');
    // A container made while the tmpfs was mounted holds a copy of the mount: remove it first.
    const ids = (await home.containers()).map((c) => c.id);
    if (ids.length) await run('docker', ['rm', '-f', ...ids]);
    await waitFor('the state tmpfs to unmount', () => run('umount', [state]).then(() => true, () => false));
    await home.dispose();
  });

  faults.it('supervision and answers go on, lines are dropped with one notice, and logging resumes once there is room', async () => {
    await home.ok(['add', 'ticker', '--image', FIXTURE_IMAGE, '--arg', '/app/printer.js', '--start']);
    const before = await home.server('ticker');
    const filler = path.join(state, 'filler');
    await run('dd', ['if=/dev/zero', `of=${filler}`, 'bs=64k']).catch(() => undefined);
    // A file's last page may still have room, so lines are kept for a while; they are being dropped
    // once the engine's copy of the server's stderr goes on growing while Berth's log file does not.
    const lastTick = async () => Number(/tick (\d+)\s*$/.exec((await run('docker', ['logs', '--tail', '1', before.containerId!])).stderr)?.[1] ?? 0);
    const logFile = path.join(home.paths.logsDir, 'ticker.log');
    let seen = { size: -1, tick: 0 };
    await waitFor('ticks dropped while the disk is full', async () => {
      const now = { size: (await stat(logFile)).size, tick: await lastTick() };
      if (now.size !== seen.size) seen = now;
      return now.tick >= seen.tick + 10;
    });
    // Every CLI call answers, the server stays healthy and usable, and a stop and start work though
    // the wish cannot be saved.
    const s = await home.server('ticker');
    expect([s.phase, s.containerId]).toEqual(['healthy', before.containerId]);
    expect(await home.ok(['tools', 'ticker'])).toBeDefined();
    await home.ok(['stop', 'ticker']);
    await home.ok(['start', 'ticker']);
    expect((await home.status()).notices.some((n) => /could not save which servers should run .*the disk is full/.test(n))).toBe(true);
    await rm(filler);
    const logs = await waitFor('ticks logged again after the gap', async () => {
      const text = await home.ok(['logs', 'ticker', '--lines', '400']);
      return /log lines were not saved/.test(text) && /tick \d+\s*$/.test(text) ? text : undefined;
    });
    expect(logs).toMatch(/\d+ log lines were not saved .*writing the log failed/);
    expect((await home.server('ticker')).phase).toBe('healthy');
  });
});

describe('the engine restarts under a running daemon', () => {
  // The second engine of the remote suites stands in for the local one here, so restarting it
  // disturbs nothing else that runs on this machine.
  const engine = () => ({ DOCKER_HOST: `unix://${remoteSocket()}` });
  let home: TestHome;

  beforeAll(async () => {
    await provisionSecondEngine([MEMORY_IMAGE, FIXTURE_IMAGE]);
    home = await TestHome.create();
  });
  afterAll(async () => {
    await home.killDaemon('SIGKILL');
    const ids = (await remoteContainers(home.paths.instance)).map((c) => c.id);
    if (ids.length) await remoteDocker(['rm', '-f', ...ids]).catch(() => undefined);
    await home.dispose();
  });

  const berth = async (args: string[]) => {
    const r = await home.berth(args, engine());
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };
  const server = async (name: string) => {
    const s = (JSON.parse(await berth(['status', name, '--json'])) as StatusJson).servers[0];
    if (!s) throw new Error(`no status for ${name}`);
    return s;
  };

  faults.it('servers that should run come back on the same container; stopped ones stay stopped', async () => {
    await berth(['add', 'mem', '--catalog', 'memory', '--start']);
    await berth(['add', 'idle', '--image', FIXTURE_IMAGE, '--arg', '/app/printer.js']);
    const before = await server('mem');
    expect(before.phase).toBe('healthy');
    await restartSecondEngine();
    const after = await waitFor('mem healthy after the engine restart', async () => {
      const s = await server('mem');
      return s.phase === 'healthy' && s.restartCount > 0 ? s : undefined;
    }, 180_000);
    // The container survives the engine restart (stopped, then started again): same id, one of it.
    expect(after.containerId).toBe(before.containerId);
    const containers = await remoteContainers(home.paths.instance);
    expect(containers.map((c) => [c.server, c.state])).toEqual([['mem', 'running']]);
    expect((await server('idle')).phase).toBe('stopped');
    expect(await berth(['call', 'mem', 'read_graph'])).toContain('entities');
    expect(existsSync(home.paths.socket)).toBe(true);
  });
});
