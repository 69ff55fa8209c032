import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestHome, waitFor } from '../support.js';

describe('workspace spec files beside the user file', () => {
  let home: TestHome;
  let ws: string;
  const made: { home: TestHome; ws: string }[] = [];
  /** A home whose user file and a workspace folder both define `shared`; with `added`, the folder is added. */
  async function fresh(added: boolean): Promise<void> {
    home = await TestHome.create();
    ws = await mkdtemp(path.join(os.tmpdir(), 'berth-ws-'));
    made.push({ home, ws });
    await mkdir(path.join(ws, '.berth'));
    await writeFile(path.join(ws, '.berth', 'servers.yaml'), 'servers:\n  shared:\n    catalog: everything\n    env: { FROM: workspace }\n  wsonly:\n    catalog: everything\n');
    await home.writeSpecs('servers:\n  shared:\n    catalog: everything\n');
    if (added) await home.ok(['workspace', 'add', ws]);
  }
  afterAll(async () => {
    for (const m of made) {
      await m.home.dispose();
      await rm(m.ws, { recursive: true, force: true });
    }
  });

  it('loads a workspace file once a client adds the folder; the workspace wins on a shared name', async () => {
    await fresh(false);
    expect((await home.status()).servers.map((s) => [s.name, s.source])).toEqual([['shared', home.paths.userSpecFile]]);
    await home.ok(['workspace', 'add', ws]);
    const wsFile = path.join(ws, '.berth', 'servers.yaml');
    expect(await home.json<{ folder: string; specFile: string }[]>(['workspace'])).toEqual([{ folder: ws, specFile: wsFile }]);
    const servers = (await home.status()).servers.map((s) => [s.name, s.source]);
    expect(servers).toEqual([
      ['shared', wsFile],
      ['wsonly', wsFile],
    ]);
    // A workspace's server runs only once the user approved it (securityWorkspace.test.ts has the rest).
    await home.ok(['workspace', 'approve', ws, 'shared']);
    await home.ok(['start', 'shared']);
    expect(await home.ok(['call', 'shared', 'get-env', '{}'])).toContain('workspace');
  });

  it("refuses to remove a workspace server from the user file, and follows edits to the workspace's file", async () => {
    await fresh(true);
    const r = await home.berth(['rm', 'wsonly']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`is defined in ${path.join(ws, '.berth', 'servers.yaml')}; remove it there`);
    await writeFile(path.join(ws, '.berth', 'servers.yaml'), 'servers:\n  shared:\n    catalog: everything\n    env: { FROM: workspace }\n');
    await waitFor('wsonly gone', async () => !(await home.status()).servers.some((s) => s.name === 'wsonly'));
  });

  it('forgetting the workspace brings back the user definition', async () => {
    await fresh(true);
    await home.ok(['workspace', 'rm', ws]);
    const st = await waitFor('user definition back', async () => {
      const s = await home.status();
      return s.servers.length === 1 && s.servers[0]?.source === home.paths.userSpecFile ? s : undefined;
    });
    expect(st.servers.map((s) => s.name)).toEqual(['shared']);
    expect((await home.berth(['workspace', 'rm', ws])).stderr).toContain('is not a Berth workspace');
  });
});
