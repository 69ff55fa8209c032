import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateVolumeName } from '../../daemon/servers/labels.js';
import { TestHome, waitFor } from '../support.js';

const run = promisify(execFile);
const ENTITY = JSON.stringify({ entities: [{ name: 'berth-fact', entityType: 'note', observations: ['kept across restarts'] }] });

async function volumeExists(name: string): Promise<boolean> {
  return run('docker', ['volume', 'inspect', name]).then(
    () => true,
    () => false,
  );
}

// The life of one server's data, told in order (written, kept across restarts, kept by rm, found
// again, removed): the second case reads what the first wrote, so this describe runs in file order.
describe("a catalog server's state lives in a named volume of its own", { shuffle: false }, () => {
  let home: TestHome;
  let volume: string;

  beforeAll(async () => {
    home = await TestHome.create();
    volume = stateVolumeName(home.paths.instance, 'mem');
  });

  afterAll(async () => {
    await home.dispose();
    await run('docker', ['volume', 'rm', '-f', volume]).catch(() => undefined);
  });

  const graph = async () => home.ok(['call', 'mem', 'read_graph', '{}']);

  it("memory's graph survives a restart, a new container and a daemon restart", async () => {
    await home.ok(['add', 'mem', '--catalog', 'memory', '--start']);
    await home.ok(['call', 'mem', 'create_entities', ENTITY]);

    await home.ok(['restart', 'mem']);
    expect(await graph()).toContain('kept across restarts');
    expect(await volumeExists(volume)).toBe(true);

    // A changed spec makes a new container beside the old one (as an update or a rollback does): the volume goes with it.
    const before = (await home.server('mem')).containerId;
    await home.writeSpecs((await home.readSpecs()).replace('catalog: memory', 'catalog: memory\n    limits: { memory: 300m }'));
    await home.ok(['restart', 'mem']);
    await waitFor('the new container', async () => {
      const s = await home.server('mem');
      return s.phase === 'healthy' && s.containerId !== before;
    });
    expect(await graph()).toContain('kept across restarts');

    await home.killDaemon();
    await waitFor('the next daemon to adopt mem', async () => (await home.server('mem')).phase === 'healthy');
    expect(await graph()).toContain('kept across restarts');
  });

  it('rm keeps the volume and says so; the same name added again finds its data; rm --volumes removes it', async () => {
    const out = await home.ok(['rm', 'mem']);
    expect(out.trim()).toBe(`removed mem; kept its state volume ${volume} (adding mem again uses it; \`berth rm mem --volumes\` would have removed it, \`docker volume rm ${volume}\` removes it now)`);
    expect(await volumeExists(volume)).toBe(true);

    await home.ok(['add', 'mem', '--catalog', 'memory', '--start']);
    expect(await graph()).toContain('kept across restarts');

    expect((await home.ok(['rm', 'mem', '--volumes'])).trim()).toBe('removed mem');
    expect(await volumeExists(volume)).toBe(false);
  });
});
