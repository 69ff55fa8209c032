import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectDaemon, type DaemonClient } from '../../daemon/client/client.js';
import { ServersGetSpec, ServersPut } from '../../daemon/protocol/specEdit.js';
import { formFields, specToForm, validateForm } from '../../extension/webview/specForm.js';
import { FIXTURE_IMAGE, TestHome } from '../support.js';

describe('the server form through the daemon (servers/getSpec, servers/put)', () => {
  let home: TestHome;
  let client: DaemonClient | undefined;
  beforeEach(async () => {
    home = await TestHome.create();
  });
  afterEach(async () => {
    client?.close();
    client = undefined;
    await home.dispose();
  });

  it('edits an entry and adds one, keeping the file’s comments and other entries', async () => {
    await home.writeSpecs(`# My servers: keep this line.
servers:
  # the echo fixture
  tl:
    image: ${FIXTURE_IMAGE}
    args: [/app/tools.js] # its tools
  other:
    image: ${FIXTURE_IMAGE}
`);
    await home.ok(['status']);
    client = await connectDaemon(home.paths, 'form-test', false);
    const fields = formFields();

    // The form starts from the entry as written (no defaults filled in).
    const read = await client.request(ServersGetSpec, { name: 'tl' });
    expect(read).toEqual({ spec: { image: FIXTURE_IMAGE, args: ['/app/tools.js'] }, source: home.paths.userSpecFile, editable: true });
    const values = specToForm(fields, read.spec);
    expect(values['args']).toBe('/app/tools.js');

    // The user adds a memory limit and an alert threshold; the form checks, the daemon writes.
    const edited = validateForm(fields, 'tl', { ...values, 'limits.memory': '128m', alerts: 'memory: { percent: 75 }' }, { taken: ['tl', 'other'], editing: true });
    expect(edited.issues).toEqual({});
    const status = await client.request(ServersPut, { name: 'tl', spec: edited.spec ?? {}, replace: true });
    expect(status.name).toBe('tl');
    const text = await home.readSpecs();
    expect(text).toContain('# My servers: keep this line.');
    expect(text).toContain('# the echo fixture');
    expect(text).toMatch(/other:\n\s+image: /);
    const after = await client.request(ServersGetSpec, { name: 'tl' });
    expect(after.spec).toEqual({ image: FIXTURE_IMAGE, args: ['/app/tools.js'], limits: { memory: '128m' }, alerts: { memory: { percent: 75 } } });

    // A new server, from an empty form.
    const added = validateForm(fields, 'fresh', { image: FIXTURE_IMAGE, args: '/app/tools.js', env: 'GREETING=hi there' }, { taken: ['tl', 'other'], editing: false });
    expect(added.issues).toEqual({});
    await client.request(ServersPut, { name: 'fresh', spec: added.spec ?? {}, replace: false });
    expect((await client.request(ServersGetSpec, { name: 'fresh' })).spec).toEqual({ image: FIXTURE_IMAGE, args: ['/app/tools.js'], env: { GREETING: 'hi there' } });
    expect(await home.readSpecs()).toContain('# the echo fixture');
    expect((await home.server('fresh')).phase).toBe('stopped');

    // Adding over an existing server, or editing one that does not exist, is refused with what to do.
    await expect(client.request(ServersPut, { name: 'other', spec: { image: FIXTURE_IMAGE }, replace: false })).rejects.toThrow(/already exists; pick another name/);
    await expect(client.request(ServersPut, { name: 'ghost', spec: { image: FIXTURE_IMAGE }, replace: true })).rejects.toThrow(/no server named "ghost" to edit/);
    // The daemon's own checks (beyond the schema) reach the form as one sentence.
    await expect(client.request(ServersPut, { name: 'tl', spec: { image: FIXTURE_IMAGE, limits: { memory: 'lots' } }, replace: true })).rejects.toThrow(/memory/);
  });
});
