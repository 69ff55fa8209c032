import { describe, expect, it } from 'vitest';
import { FromServerForm } from '../../extension/webview/serverFormMessages.js';
import { formFields, formToSpec, specToForm, validateForm } from '../../extension/webview/specForm.js';

const fields = formFields();
const byKey = (key: string) => fields.find((f) => f.key === key);

describe('the server form’s fields, from the spec schema', () => {
  it('has a field for every property of a spec entry, simple objects as groups and the rest as YAML', () => {
    expect(byKey('image')).toMatchObject({ label: 'Image', kind: 'text' });
    expect(byKey('transport')).toMatchObject({ kind: 'choice', options: ['stdio', 'http'], placeholder: 'default: stdio' });
    expect(byKey('restart')).toMatchObject({ kind: 'choice', options: ['on-failure', 'always', 'never'] });
    expect(byKey('args')).toMatchObject({ kind: 'lines' });
    expect(byKey('env')).toMatchObject({ kind: 'pairs' });
    expect(byKey('limits.memory')).toMatchObject({ kind: 'text', group: 'limits', label: 'Memory' });
    expect(byKey('limits.pids')).toMatchObject({ kind: 'number', group: 'limits', integer: true });
    expect(byKey('security.readOnlyRootfs')).toMatchObject({ kind: 'choice', options: ['true', 'false'], boolean: true, label: 'Read only rootfs' });
    expect(byKey('alerts')).toMatchObject({ kind: 'yaml' });
    expect(byKey('volumes')).toMatchObject({ kind: 'yaml' });
    const tops = new Set(fields.map((f) => f.group ?? f.key));
    for (const key of ['description', 'catalog', 'host', 'build', 'http', 'command', 'secrets', 'network', 'health', 'tools', 'protocol']) expect(tops, key).toContain(key);
    expect(fields[0]?.key).toBe('description');
  });
});

describe('form values and spec entries', () => {
  it('turns the values into an entry, leaving empty fields out, and back', () => {
    const values = { image: ' berth/x:1 ', args: 'serve\n--port 3\n\n', env: 'A=1\nB=x=y', 'limits.pids': '64', 'security.readOnlyRootfs': 'false', alerts: 'memory:\n  percent: 75', description: '' };
    const { spec, issues } = formToSpec(fields, values);
    expect(issues).toEqual({});
    expect(spec).toEqual({ image: 'berth/x:1', args: ['serve', '--port 3'], env: { A: '1', B: 'x=y' }, limits: { pids: 64 }, security: { readOnlyRootfs: false }, alerts: { memory: { percent: 75 } } });
    expect(specToForm(fields, spec)).toEqual({ image: 'berth/x:1', args: 'serve\n--port 3', env: 'A=1\nB=x=y', 'limits.pids': '64', 'security.readOnlyRootfs': 'false', alerts: 'memory:\n  percent: 75' });
  });

  it('names the field whose text cannot be read', () => {
    const { issues } = formToSpec(fields, { env: 'A=1\nno equals sign', 'limits.pids': 'many', alerts: 'memory: [' });
    expect(issues['env']).toBe('"no equals sign" is not NAME=value');
    expect(issues['limits.pids']).toBe('must be a number');
    expect(issues['alerts']).toMatch(/^is not valid YAML/);
  });

  it('shows a hand-written value of another shape as YAML rather than losing it', () => {
    expect(specToForm(fields, { network: { allow: ['example.com:443'] }, args: 'not-a-list' })).toEqual({ network: 'allow:\n  - example.com:443', args: 'not-a-list' });
  });
});

describe('validating as the user types', () => {
  const o = { taken: ['ev'], editing: false };

  it('accepts a valid entry and hands it back for saving', () => {
    expect(validateForm(fields, 'new-one', { image: 'berth/x:1' }, o)).toEqual({ spec: { image: 'berth/x:1' }, issues: {} });
  });

  it('puts each problem on its field: the name, a nested field, a YAML field', () => {
    const { spec, issues } = validateForm(fields, 'ev', { image: 'Not An Image', 'limits.pids': '3', alerts: 'memory: { percent: 200 }' }, o);
    expect(spec).toBeUndefined();
    expect(issues['name']).toBe('a server named "ev" already exists');
    expect(issues['image']).toBeTruthy();
    expect(issues['limits.pids']).toMatch(/>=16/);
    expect(issues['alerts']).toMatch(/^memory\.percent: .*<=100/);
    expect(validateForm(fields, '', {}, o).issues['name']).toBe('a server needs a name');
    expect(validateForm(fields, 'Bad Name', {}, o).issues['name']).toMatch(/a-z/);
  });

  it('lets an edit keep its own name', () => {
    expect(validateForm(fields, 'ev', { image: 'berth/x:1' }, { taken: ['ev'], editing: true }).issues).toEqual({});
  });
});

describe('server form messages', () => {
  it('accepts ready, change, save and cancel; refuses anything else', () => {
    expect(FromServerForm.parse({ type: 'change', name: 'a', values: { image: 'x' } }).type).toBe('change');
    expect(FromServerForm.parse({ type: 'cancel' }).type).toBe('cancel');
    for (const m of [{ type: 'save', name: 'a' }, { type: 'save', name: 'a', values: { image: 1 } }, { type: 'run', action: 'start' }, { type: 'ready', x: 1 }]) expect(FromServerForm.safeParse(m).success, JSON.stringify(m)).toBe(false);
  });
});
