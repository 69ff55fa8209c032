import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanResult, UpdateCheck, UpdateResult } from '../../daemon/protocol/updates.js';
import { fixtureServer, LocalNpmRegistry } from '../fixtures/npm/localRegistry.js';
import { BERTH, FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

const docker = promisify(execFile);
const MEMORY = '@modelcontextprotocol/server-memory';
/** Two published versions the npm image builder builds (`npm view @modelcontextprotocol/server-memory versions`). */
const OLD = '2026.7.4';
const NEW = '2026.8.31';
const FLAKY = '@berth-test/flaky';

/** The containers of one server, straight from the engine. */
async function containersOf(home: TestHome, server: string) {
  return (await home.containers()).filter((c) => c.server === server);
}

async function imageOf(id: string): Promise<string> {
  return (await docker('docker', ['inspect', '-f', '{{.Config.Image}}', id])).stdout.trim();
}

describe('updates', () => {
  let home: TestHome;
  let npm: LocalNpmRegistry;
  /** Every CLI call carries the fixture registry's env, so the daemon it starts has it too. */
  const berth = (args: string[]) => home.berth(args, npm.env, 600_000);
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await berth([...args, '--json']);
    if (r.code !== 0 && !r.stdout.trim()) throw new Error(`berth ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    home = await TestHome.create();
    npm = await LocalNpmRegistry.start(FLAKY);
    await npm.publish('1.0.0', fixtureServer(['echo']));
    await npm.publish('1.1.0', fixtureServer(['echo'], 'console.error("flaky 1.1.0 cannot start"); process.exit(3);'));
    // Answers its test start, then dies a few seconds into serving: only the health watch can catch it.
    await npm.publish('1.2.0', fixtureServer(['echo'], 'setTimeout(() => { console.error("flaky 1.2.0 gave up"); process.exit(4); }, 6000);'));
    // Starts and serves, but its echo answers something else: only the server's scenario file can tell.
    await npm.publish('1.3.0', fixtureServer(['echo'], '', 'goodbye'));
    // Serves well and adds a tool: what pinning would hold back.
    await npm.publish('1.4.0', fixtureServer(['echo', 'shout']));
    npm.latest = '1.0.0';
    await home.writeSpecs(`servers:
  mem:
    catalog: memory
    image: berth/mcp-memory:${OLD}
    build: { npm: "${MEMORY}", version: "${OLD}" }
    update: { watchSeconds: 5 }
`);
    // The daemon starts now, with the fixture registry's env: every later call (home.server too) reaches the same daemon.
    expect((await berth(['status'])).code).toBe(0);
  }, 120_000);

  afterAll(async () => {
    const instance = home?.paths.instance;
    await home?.dispose();
    npm?.close();
    // The images this test made: its fixture package's builds and this home's kept names.
    const { stdout } = await docker('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    const mine = stdout.split('\n').filter((ref) => ref.startsWith('berth-test/flaky:') || (instance && ref.startsWith(`berth-keep/${instance}/`)));
    if (mine.length) await docker('docker', ['rmi', ...mine]).catch(() => undefined);
  });

  /** A server of the test's own on the fixture package's 1.0.0, started: the tests run in any order. */
  const ownFlaky = async (name: string) => {
    await home.writeSpecs(`${await home.readSpecs()}  ${name}:\n    image: berth-test/flaky:1.0.0\n    build: { npm: "${FLAKY}", version: 1.0.0 }\n    update: { watchSeconds: 30 }\n`);
    await waitFor(`${name} in the spec`, async () => (await home.status()).servers.some((s) => s.name === name));
    const r = await berth(['start', name]);
    if (r.code !== 0) throw new Error(`berth start ${name} exited ${r.code}: ${r.stderr}`);
  };

  it('--check reports the newer published version from the real npm registry', async () => {
    const start = await berth(['start', 'mem']);
    expect(start.stderr).toBe('');
    const [check] = await json<UpdateCheck[]>(['update', '--check', 'mem']);
    expect(check).toMatchObject({ name: 'mem', source: 'npm', current: OLD, available: NEW, change: 'minor' });
    const text = (await berth(['update', '--check', 'mem'])).stdout;
    expect(text).toMatch(new RegExp(`mem\\s+npm\\s+${OLD}\\s+→ ${NEW}`));
    expect((await home.server('mem')).update).toMatchObject({ current: OLD, available: NEW });
    expect((await berth(['status'])).stdout).toContain(`mem: update available: ${OLD} → ${NEW}`);
  }, 600_000);

  it('update swaps it with exactly one container at the end, and rollback returns to the previous image', async () => {
    expect((await berth(['start', 'mem'])).code).toBe(0);
    const before = await containersOf(home, 'mem');
    expect(before).toHaveLength(1);
    const [r] = await json<UpdateResult[]>(['update', 'mem', '--yes']);
    expect(r).toMatchObject({ name: 'mem', outcome: 'updated', from: OLD, to: NEW });
    const after = await containersOf(home, 'mem');
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before[0]!.id);
    expect(await imageOf(after[0]!.id)).toBe(`berth/mcp-memory:${NEW}`);
    expect((await home.server('mem')).phase).toBe('healthy');
    expect((await home.server('mem')).update).toBeUndefined();
    expect(await home.readSpecs()).toContain(`version: ${NEW}`);
    // What ran before is kept under a tag no prune removes.
    expect((await docker('docker', ['image', 'inspect', '-f', '{{.Id}}', `berth-keep/${home.paths.instance}/mem:${OLD}`])).stdout).toMatch(/^sha256:/);

    const back = await json<UpdateResult>(['rollback', 'mem']);
    expect(back).toMatchObject({ outcome: 'updated', from: NEW, to: OLD });
    const rolled = await containersOf(home, 'mem');
    expect(rolled).toHaveLength(1);
    expect(await imageOf(rolled[0]!.id)).toBe(`berth/mcp-memory:${OLD}`);
    expect((await home.server('mem')).phase).toBe('healthy');
    expect(await home.readSpecs()).toContain(`version: ${OLD}`);
    expect(await home.readSpecs()).not.toContain(NEW);

    const audit = (await readFile(path.join(home.paths.stateDir, 'audit.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toContainEqual(expect.objectContaining({ server: 'mem', action: 'update', outcome: 'updated', from: OLD, to: NEW }));
    expect(audit).toContainEqual(expect.objectContaining({ server: 'mem', action: 'rollback', outcome: 'updated', from: NEW, to: OLD }));
    expect((await berth(['logs', 'mem', '--grep', 'rolled mem back'])).stdout).toContain(`rolled mem back from ${NEW} to ${OLD}`);
  }, 900_000);

  it('scan lists the SBOM packages and licenses, the hardening, and says advisories are unavailable', async () => {
    // Built here and now, so the image is this Berth's build whatever the engine already had under its tag.
    expect((await berth(['build', 'mem', '--force'])).code).toBe(0);
    // The hardening is read from its running container: started here, whatever ran before.
    expect((await berth(['start', 'mem'])).code).toBe(0);
    const r = await json<ScanResult>(['scan', 'mem']);
    expect(r.sbom).toBe('/app/berth-sbom.cdx.json');
    expect(r.packages).toContainEqual(expect.objectContaining({ name: '@modelcontextprotocol/sdk' }));
    expect(r.packages.some((p) => p.licenses.includes('MIT'))).toBe(true);
    expect(r.hardening).toContain('capabilities: all dropped');
    expect(r.hardening).toContain('network: none');
    // The registry here refuses its bulk advisory endpoint: said so, never "no vulnerabilities".
    expect(r.advisories).toMatchObject({ available: false });
    const text = (await berth(['scan', 'mem'])).stdout;
    expect(text).toMatch(/^advisories unavailable: .*refused its bulk advisory endpoint \(HTTP \d+\)/m);
    expect(text).not.toMatch(/no vulnerabilities|none known/i);
  }, 300_000);

  it('a new version that cannot start never replaces the running one', async () => {
    await ownFlaky('f-nostart');
    const before = await containersOf(home, 'f-nostart');
    npm.latest = '1.1.0';
    const [r] = await json<UpdateResult[]>(['update', 'f-nostart', '--yes']);
    expect(r).toMatchObject({ outcome: 'test-failed', from: '1.0.0', to: '1.1.0' });
    expect(r!.message).toContain('flaky 1.1.0 cannot start');
    expect(await containersOf(home, 'f-nostart')).toEqual(before);
    expect((await home.server('f-nostart')).phase).toBe('healthy');
  }, 600_000);

  it('a new version that fails within the watch is rolled back by itself, the old container serving again', async () => {
    await ownFlaky('f-watch');
    npm.latest = '1.2.0';
    const [r] = await json<UpdateResult[]>(['update', 'f-watch', '--yes']);
    expect(r).toMatchObject({ outcome: 'rolled-back', from: '1.0.0', to: '1.2.0' });
    expect(r!.message).toMatch(/within 30 s of watching, it went exited/);
    const left = await containersOf(home, 'f-watch');
    expect(left).toHaveLength(1);
    expect(await imageOf(left[0]!.id)).toBe('berth-test/flaky:1.0.0');
    await waitFor('flaky to be healthy on 1.0.0', async () => (await home.server('f-watch')).phase === 'healthy');
    expect((await home.readSpecs())).toContain('version: 1.0.0');
    const call = await berth(['call', 'f-watch', 'echo']);
    expect(call.code).toBe(0);
  }, 600_000);

  it("runs the server's scenario files against the new version and keeps the old one when they fail", async () => {
    await ownFlaky('f-tests');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-update-tests-'));
    await mkdir(path.join(dir, '.berth', 'tests'), { recursive: true });
    await writeFile(path.join(dir, '.berth', 'tests', 'f-tests.mcptest.yaml'), 'server: f-tests\ncases:\n  - id: echo-says-hello\n    call: echo\n    expect: { contains: hello }\n');
    npm.latest = '1.3.0';
    const before = await containersOf(home, 'f-tests');
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(process.execPath, [BERTH, 'update', 'f-tests', '--yes', '--json'], { cwd: dir, env: { ...home.env, ...npm.env }, timeout: 600_000 }, (err, stdout) =>
        resolve({ code: err ? 1 : 0, stdout }),
      ),
    );
    const [result] = JSON.parse(r.stdout) as UpdateResult[];
    expect(result).toMatchObject({ outcome: 'test-failed', from: '1.0.0', to: '1.3.0' });
    expect(result!.message).toContain('failed its scenario files: f-tests.mcptest.yaml echo-says-hello');
    expect(r.code).toBe(1);
    expect(await containersOf(home, 'f-tests')).toEqual(before);
    await rm(dir, { recursive: true, force: true });
  }, 600_000);

  it('asks before a version that adds tools pinning would hold back, and approves them with --yes', async () => {
    await ownFlaky('f-tools');
    npm.latest = '1.4.0';
    const [check] = await json<UpdateCheck[]>(['update', '--check', 'f-tools', '--tools']);
    expect(check).toMatchObject({ current: '1.0.0', available: '1.4.0', tools: { added: ['shout'], removed: [] } });
    expect((await berth(['update', '--check', 'f-tools', '--tools'])).stdout).toContain('f-tools: adds shout');
    const [asked] = await json<UpdateResult[]>(['update', 'f-tools']);
    expect(asked).toMatchObject({ outcome: 'confirm', to: '1.4.0', tools: { added: ['shout'], removed: [] } });
    expect((await home.server('f-tools')).image).toBe('berth-test/flaky:1.0.0');
    const [done] = await json<UpdateResult[]>(['update', 'f-tools', '--yes']);
    expect(done).toMatchObject({ outcome: 'updated', to: '1.4.0' });
    expect((await home.server('f-tools')).capabilities?.tools.map((t) => t.name)).toEqual(['echo', 'shout']);
  }, 600_000);

  it('scheduled checks fire on their interval and show "update available"', async () => {
    npm.latest = '1.1.0';
    await home.writeSpecs(`${await home.readSpecs()}  sched:
    image: berth-test/flaky:1.0.0
    build: { npm: "${FLAKY}", version: 1.0.0 }
    update: { policy: scheduled, interval: 3s }
`);
    await waitFor('the first scheduled check', async () => (await home.server('sched')).update?.available === '1.1.0', 120_000);
    npm.latest = '1.2.0';
    await waitFor('a later scheduled check to see the newer version', async () => (await home.server('sched')).update?.available === '1.2.0', 120_000);
    // Nobody asked: the daemon looked by itself.
    expect((await berth(['logs', 'sched', '--grep', 'update available'])).stdout).toContain('1.0.0 → 1.2.0');
  }, 300_000);

  it('a schedule whose policy may apply a change applies it by itself', async () => {
    npm.latest = '1.4.0';
    await home.writeSpecs(`${await home.readSpecs()}  auto:
    image: berth-test/flaky:1.0.0
    build: { npm: "${FLAKY}", version: 1.0.0 }
    update: { policy: startup, apply: minor }
`);
    const audit = async () => (await readFile(path.join(home.paths.stateDir, 'audit.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const applied = await waitFor('the startup check to apply 1.4.0', async () => (await audit()).find((e) => e.server === 'auto' && e.action === 'update'), 180_000);
    expect(applied).toMatchObject({ outcome: 'updated', from: '1.0.0', to: '1.4.0' });
    expect(await home.readSpecs()).toContain('image: berth-test/flaky:1.4.0');
    expect((await home.server('auto')).update).toBeUndefined();
  }, 300_000);
});

/** A port the kernel has just given out and taken back: free for the registry to listen on. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

describe('registry images', () => {
  let home: TestHome;
  let registry: ChildProcess;
  let storage: string;
  let repo: string;
  let oldDigest = '';
  let newDigest = '';
  /** What `update --check` said before the tag moved. */
  let same: UpdateCheck | undefined;

  beforeAll(async () => {
    home = await TestHome.create();
    storage = await mkdtemp(path.join(os.tmpdir(), 'berth-registry-'));
    const port = await freePort();
    const config = path.join(storage, 'config.yml');
    await writeFile(config, `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(storage, 'data')}\nhttp:\n  addr: 127.0.0.1:${port}\n`);
    registry = spawn('docker-registry', ['serve', config], { stdio: 'ignore' });
    repo = `127.0.0.1:${port}/berth-test/moving`;
    await waitFor('the registry to answer', async () => (await fetch(`http://127.0.0.1:${port}/v2/`).catch(() => undefined))?.ok);
    // Both tests need a tag that moved on the registry after the engine pulled it: made here, once.
    // Two different images pushed under one tag, one after the other: the second push moves it.
    await docker('docker', ['tag', FIXTURE_IMAGE, `${repo}:v1`]);
    await docker('docker', ['push', `${repo}:v1`]);
    await docker('docker', ['rmi', `${repo}:v1`]);
    await docker('docker', ['pull', `${repo}:v1`]);
    await home.writeSpecs(`servers:\n  moving:\n    image: ${repo}:v1\n    args: [/app/tools.js]\n    update: { watchSeconds: 3 }\n`);
    [same] = await home.json<UpdateCheck[]>(['update', '--check', 'moving']);

    // Another image under v2, then the registry's v1 tag pointed at it (a manifest PUT), the local v1 left as it was.
    const moved = await mkdtemp(path.join(os.tmpdir(), 'berth-moved-'));
    await writeFile(path.join(moved, 'Dockerfile'), `FROM ${FIXTURE_IMAGE}\nLABEL berth-test.moved=yes\n`);
    await docker('docker', ['build', '-q', '-t', `${repo}:v2`, moved]);
    await rm(moved, { recursive: true, force: true });
    await docker('docker', ['push', `${repo}:v2`]);
    const manifests = `http://${repo.replace('/', '/v2/')}/manifests/`;
    const v2 = await fetch(`${manifests}v2`, { headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    const movedTo = v2.headers.get('docker-content-digest');
    const put = await fetch(`${manifests}v1`, { method: 'PUT', headers: { 'content-type': v2.headers.get('content-type') ?? '' }, body: Buffer.from(await v2.arrayBuffer()) });
    if (put.status !== 201) throw new Error(`moving the tag v1 on the registry answered ${put.status}`);
    oldDigest = same!.current!;
    newDigest = movedTo!;
  }, 300_000);

  afterAll(async () => {
    registry?.kill();
    await home?.dispose();
    const instance = home?.paths.instance;
    const { stdout } = await docker('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    const kept = stdout.split('\n').filter((ref) => instance && ref.startsWith(`berth-keep/${instance}/`));
    await docker('docker', ['rmi', `${repo}:v1`, `${repo}:v2`, ...kept]).catch(() => undefined);
    for (const d of [oldDigest, newDigest]) if (d) await docker('docker', ['rmi', `${repo}@${d}`]).catch(() => undefined);
    await rm(storage, { recursive: true, force: true });
  });

  it('a tag that moves on the registry is reported by digest, without a pull', async () => {
    expect(same).toMatchObject({ source: 'image' });
    expect(same!.available).toBeUndefined();
    expect(same!.current).toMatch(/^sha256:/);
    const [check] = await home.json<UpdateCheck[]>(['update', '--check', 'moving']);
    expect(check).toMatchObject({ source: 'image', current: same!.current, available: newDigest, change: 'digest' });
    expect(check!.note).toMatch(/^the tag v1 moved: [a-f0-9]{12} → [a-f0-9]{12}$/);
    // Nothing was pulled: the engine's v1 is still the image it had.
    expect((await docker('docker', ['image', 'inspect', '-f', '{{index .RepoDigests 0}}', `${repo}:v1`])).stdout.trim()).toBe(`${repo}@${same!.current}`);
  }, 300_000);

  it('an update pulls the new digest beside the running one and pins it; rollback brings back the old digest', async () => {
    // A server of its own on the engine's v1 (the old image), so the check above sees 'moving2' untouched.
    await home.writeSpecs(`${await home.readSpecs()}  moving2:\n    image: ${repo}:v1\n    args: [/app/tools.js]\n    update: { watchSeconds: 3 }\n`);
    await waitFor('moving2 in the spec', async () => (await home.status()).servers.some((x) => x.name === 'moving2'));
    await home.ok(['start', 'moving2']);
    expect((await home.server('moving2')).imageDigest).toBe(`${repo}@${oldDigest}`);
    const [r] = await home.json<UpdateResult[]>(['update', 'moving2', '--yes']);
    expect(r).toMatchObject({ outcome: 'updated', from: oldDigest.slice(7, 19), to: newDigest.slice(7, 19) });
    const [c] = (await home.containers()).filter((x) => x.server === 'moving2');
    expect((await home.containers()).filter((x) => x.server === 'moving2')).toHaveLength(1);
    expect(await imageOf(c!.id)).toBe(`${repo}:v1@${newDigest}`);
    expect(await home.readSpecs()).toContain(`image: ${repo}:v1@${newDigest}`);
    expect((await home.server('moving2')).phase).toBe('healthy');

    const back = await home.json<UpdateResult>(['rollback', 'moving2']);
    expect(back).toMatchObject({ outcome: 'updated', to: oldDigest.slice(7, 19) });
    const [again] = (await home.containers()).filter((x) => x.server === 'moving2');
    expect(await imageOf(again!.id)).toBe(`${repo}:v1@${oldDigest}`);
    expect((await home.server('moving2')).phase).toBe('healthy');
  }, 300_000);
});
