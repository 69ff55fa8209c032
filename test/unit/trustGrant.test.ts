import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../daemon/servers/specFiles.js';
import { admission } from '../../daemon/trust/admission.js';
import { describeGrant, grantHash, grantOf } from '../../daemon/trust/grant.js';

const FOLDER = '/home/me/project';
const WS = `${FOLDER}/.berth/servers.yaml`;

function spec(body: string) {
  const r = parseSpecText(`servers:\n  s:\n${body.replace(/^/gm, '    ')}\n`, WS);
  if ('error' in r) throw new Error(r.error);
  return r.specs[0]!;
}

const hashOf = (body: string) => grantHash(grantOf(spec(body)));
const BASE = 'image: alpine:3\nsecrets: [GITHUB_TOKEN]\nnetwork: bridge\nvolumes: [{ source: /tmp/data, target: /data }]';

describe('what a workspace server gets, and the hash an approval is pinned to', () => {
  it('lists the image, each mount with rw, the network, the secrets and each relaxation', () => {
    const s = spec('build: { git: "https://x.test/r.git", ref: main }\nvolumes: [{ source: /tmp/data, target: /data, readOnly: false }, { source: /tmp/ro, target: /ro }]\nnetwork: { allow: [api.example.com] }\nsecrets: [GITHUB_TOKEN]\nsecurity: { user: "0:0", readOnlyRootfs: false }\nlimits: { memory: 2g, cpus: "0.5", pids: 4096 }');
    expect(describeGrant(grantOf(s))).toEqual([
      'image built from git https://x.test/r.git at main',
      'mount /tmp/data at /data (rw: it may write there)',
      'mount /tmp/ro at /ro (read-only)',
      'network: only api.example.com (egress allowlist)',
      'your secrets: GITHUB_TOKEN',
      'runs as root (user 0:0)',
      'a writable root filesystem (readOnlyRootfs: false)',
      'memory limit raised to 2g (default 512m)',
      'process limit raised to 4096 (default 256)',
    ]);
  });

  it('changes with each thing it grants', () => {
    const base = hashOf(BASE);
    const changed = [
      BASE.replace('alpine:3', 'alpine:4'),
      BASE.replace('/tmp/data', '/tmp/other'),
      BASE.replace('target: /data }', 'target: /data, readOnly: false }'),
      BASE.replace('bridge', 'none'),
      BASE.replace('[GITHUB_TOKEN]', '[GITHUB_TOKEN, NPM_TOKEN]'),
      `${BASE}\nsecurity: { user: root }`,
      `${BASE}\nsecurity: { readOnlyRootfs: false }`,
      `${BASE}\nlimits: { memory: 1g }`,
      `${BASE}\nlimits: { cpus: "2" }`,
      `${BASE}\nhost: buildbox`,
    ].map(hashOf);
    for (const h of changed) expect(h).not.toBe(base);
    expect(new Set(changed).size).toBe(changed.length);
  });

  it('stays the same for what grants nothing: a description, args, env, lowered limits, the order secrets are written in', () => {
    const base = hashOf(BASE);
    expect(hashOf(`${BASE}\ndescription: now with more words`)).toBe(base);
    expect(hashOf(`${BASE}\nargs: [--verbose]\nenv: { LEVEL: debug }`)).toBe(base);
    expect(hashOf(`${BASE}\nlimits: { memory: 128m, cpus: "0.5", pids: 64 }`)).toBe(base);
    expect(hashOf(`${BASE.replace('[GITHUB_TOKEN]', '[B_TOKEN, A_TOKEN]')}`)).toBe(hashOf(`${BASE.replace('[GITHUB_TOKEN]', '[A_TOKEN, B_TOKEN]')}`));
  });
});

describe('admission of a workspace server', () => {
  it('lets a spec of the user (no workspace folder) run', () => {
    expect(admission(spec(`${BASE}\nsecurity: { capAdd: [SYS_ADMIN] }`), undefined, undefined)).toEqual({ ok: true });
  });

  it('needs approval, then runs with exactly what was approved, and asks again after a change', () => {
    const first = admission(spec(BASE), FOLDER, undefined);
    if (first.ok) throw new Error('expected to need approval');
    expect(first.approval).toMatchObject({ state: 'needs-approval', folder: FOLDER, reason: expect.stringContaining(`berth workspace approve ${FOLDER} s`) as unknown });
    expect(first.approval.asks).toContain('your secrets: GITHUB_TOKEN');
    expect(admission(spec(BASE), FOLDER, first.approval.hash)).toEqual({ ok: true });
    expect(admission(spec(`${BASE}\ndescription: other words`), FOLDER, first.approval.hash)).toEqual({ ok: true });
    const edited = admission(spec(BASE.replace('target: /data }', 'target: /data, readOnly: false }')), FOLDER, first.approval.hash);
    expect(edited).toMatchObject({ ok: false, approval: { state: 'needs-approval', reason: expect.stringContaining('now asks for something other than what you approved') as unknown } });
  });

  it('refuses what no workspace file may carry, approved or not, naming file, server and field', () => {
    const cases: [string, string][] = [
      ['volumes: [{ source: /var/run/docker.sock, target: /var/run/docker.sock, allowSensitive: true }]', 'servers.s.volumes.0.allowSensitive'],
      ['security: { capAdd: [NET_ADMIN] }', 'servers.s.security.capAdd'],
      ['security: { noNewPrivileges: false }', 'servers.s.security.noNewPrivileges'],
    ];
    for (const [body, field] of cases) {
      const s = spec(`image: alpine:3\n${body}`);
      const verdict = admission(s, FOLDER, grantHash(grantOf(s)));
      expect(verdict).toMatchObject({ ok: false, approval: { state: 'refused', reason: expect.stringContaining(`${WS}: ${field}: a workspace's spec file may not ask for`) as unknown } });
    }
  });
});
