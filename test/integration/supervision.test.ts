import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);
const lastTick = (text: string) => Math.max(0, ...[...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));

describe('supervision on the real engine', () => {
  let home: TestHome;
  beforeEach(async () => {
    home = await TestHome.create();
  });
  afterEach(() => home.dispose());

  it('restarts a crashed server with backoff and counts the restart', async () => {
    await home.ok(['add', 'ev', '--catalog', 'everything', '--start']);
    const [c] = await home.containers(false);
    await docker('docker', ['kill', c!.id]);
    const back = await waitFor('restarted healthy', async () => {
      const s = await home.server('ev');
      return s.phase === 'healthy' && s.restartCount === 1 ? s : undefined;
    });
    expect(back.containerId).toBe(c!.id);
    expect(await home.containers()).toHaveLength(1);
    expect(await home.ok(['logs', 'ev', '--grep', 'restarting in'])).toMatch(/restarting in 1 s \(attempt 1\)/);
  });

  it('marks a server that stops answering pings unhealthy, and restarts it', async () => {
    await home.writeSpecs(`servers:
  deaf:
    image: ${FIXTURE_IMAGE}
    args: [/app/deaf.js]
    health: { intervalSeconds: 1, timeoutSeconds: 1, failuresBeforeUnhealthy: 2 }
`);
    expect((await home.json<{ phase: string }>(['start', 'deaf'])).phase).toBe('healthy');
    const s = await waitFor('restarted for health', async () => {
      const st = await home.server('deaf');
      return st.restartCount >= 1 ? st : undefined;
    });
    expect(s.health.some((h) => !h.ok)).toBe(true);
    expect(await home.ok(['logs', 'deaf', '--grep', 'unhealthy'])).toContain('unhealthy: it did not answer 2 pings in a row; restarting it');
    expect(await home.containers()).toHaveLength(1);
  });

  it('reports an OOM-killed server as such', async () => {
    await home.writeSpecs(`servers:
  hog:
    image: ${FIXTURE_IMAGE}
    args: [/app/hog.js]
    limits: { memory: 48m }
    restart: never
    health: { intervalSeconds: 1 }
`);
    expect((await home.json<{ phase: string }>(['start', 'hog'])).phase).toBe('healthy');
    const s = await waitFor('oom-killed', async () => {
      const st = await home.server('hog');
      return st.phase === 'oom-killed' ? st : undefined;
    });
    expect(s.message).toContain('48m memory limit');
  });

  it('recreates a container whose spec changed while the daemon was down, and removes orphans and duplicates', async () => {
    await home.ok(['add', 'ev', '--catalog', 'everything', '--start']);
    const [old] = await home.containers();
    await home.killDaemon();
    await home.writeSpecs(`servers:\n  ev:\n    catalog: everything\n    env: { GREETING: changed }\n`);
    // An orphan (no spec) and a duplicate of ev, both carrying this home's labels.
    const labels = (server: string) => ['--label', 'berth.managed=true', '--label', `berth.instance=${home.paths.instance}`, '--label', `berth.server=${server}`];
    await docker('docker', ['create', ...labels('ghost'), FIXTURE_IMAGE, '/app/silent.js']);
    await docker('docker', ['create', ...labels('ev'), '--label', 'berth.spec-hash=stale', FIXTURE_IMAGE, '/app/silent.js']);
    expect(await home.containers()).toHaveLength(3);

    const s = await waitFor('recreated', async () => {
      const st = await home.server('ev');
      return st.phase === 'healthy' ? st : undefined;
    });
    const now = await home.containers();
    expect(now.map((c) => c.server)).toEqual(['ev']);
    expect(now[0]!.id).not.toBe(old!.id);
    expect(s.containerId).toBe(now[0]!.id);
    expect(await home.ok(['call', 'ev', 'get-env', '{}'])).toContain('changed');
  });

  it('applies a spec file edit to a running server, and a broken edit changes nothing', async () => {
    await home.ok(['add', 'ev', '--catalog', 'everything', '--start']);
    const [first] = await home.containers();
    await home.writeSpecs(`servers:\n  ev:\n    catalog: everything\n    env: { MODE: edited }\n`);
    const second = await waitFor('recreated after edit', async () => {
      const [c] = await home.containers(false);
      const s = await home.server('ev');
      return c && c.id !== first!.id && s.phase === 'healthy' ? c : undefined;
    });
    await home.writeSpecs(`servers:\n  ev:\n    catalog: everything\n    limits: { memory: lots }\n`);
    const st = await waitFor('spec error reported', async () => {
      const s = await home.status();
      return s.specErrors.length ? s : undefined;
    });
    expect(st.specErrors[0]).toContain(home.paths.userSpecFile);
    expect(st.specErrors[0]).toContain('servers.ev.limits');
    expect(st.specErrors[0]).toContain('"lots"');
    expect(st.servers[0]!.phase).toBe('healthy');
    expect((await home.containers()).map((c) => c.id)).toEqual([second.id]);
  });

  it('keeps logs across a daemon kill -9 with no gap: tail, grep, since and follow', async () => {
    await home.writeSpecs(`servers:\n  ticker:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/printer.js]\n`);
    await home.ok(['start', 'ticker']);
    await waitFor('a few ticks', async () => (await home.ok(['logs', 'ticker', '--grep', '^tick'])).includes('tick 5'));
    const seen = lastTick(await home.ok(['logs', 'ticker', '--grep', '^tick']));
    await home.killDaemon();
    // Lines the server writes while no daemon listens: the next daemon must backfill them.
    const [c] = await home.containers(false);
    await waitFor('ticks while no daemon runs', async () => lastTick((await docker('docker', ['logs', '--tail', '5', c!.id])).stderr) >= seen + 5);
    await home.ok(['status']);
    await waitFor('ticks after adoption', async () => (await home.ok(['logs', 'ticker', '--grep', '^tick'])).includes('tick 20'));
    const lines = (await home.json<{ text: string }[]>(['logs', 'ticker', '--grep', '^tick'])).map((l) => Number(l.text.split(' ')[1]));
    const expected = Array.from({ length: lines.length }, (_, i) => i + 1);
    expect(lines).toEqual(expected);

    const last3 = await home.json<{ text: string }[]>(['logs', 'ticker', '--lines', '3', '--grep', '^tick']);
    expect(last3).toHaveLength(3);
    const recent = await home.json<{ t: number }[]>(['logs', 'ticker', '--since', '1s']);
    expect(recent.every((l) => l.t >= Date.now() - 5000)).toBe(true);
    expect(recent.length).toBeLessThan(lines.length);

    const follower = spawn(process.execPath, [BERTH, 'logs', 'ticker', '--follow', '--lines', '1'], { env: home.env });
    let out = '';
    follower.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const firstFollowed = Number(/tick (\d+)/.exec(await waitFor('followed line', async () => (/tick \d+/.test(out) ? out : undefined)))![1]);
    await waitFor('new lines while following', async () => out.includes(`tick ${firstFollowed + 3}`));
    follower.kill('SIGINT');
  });
});
