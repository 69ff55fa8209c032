import { describe, expect, it } from 'vitest';
import { remoteSpecOf } from '../../daemon/catalog/remoteEntry.js';
import { provenanceOf } from '../../daemon/images/provenance.js';
import { isLoopbackUrl } from '../../daemon/servers/outside.js';
import { parseSpecText } from '../../daemon/servers/specFiles.js';
import { admission } from '../../daemon/trust/admission.js';

const USER = '/home/me/.config/berth/servers.yaml';
const WORKSPACE = '/home/me/project/.berth/servers.yaml';

function resolve(yaml: string, file = USER) {
  return parseSpecText(yaml, file);
}

describe('provenance from image labels', () => {
  const digest = 'sha256:' + 'a'.repeat(64);

  it('reads what a build recorded: npm, git and folder', () => {
    expect(provenanceOf('i', true, { 'berth.npm-package': '@scope/pkg@1.2.3', 'berth.npm-integrity': 'sha512-x' }, digest)).toEqual({ kind: 'npm', package: '@scope/pkg', version: '1.2.3', integrity: 'sha512-x' });
    expect(provenanceOf('i', true, { 'berth.source': 'git', 'berth.git-url': 'https://x.test/r.git', 'berth.git-commit': 'c0ffee', 'berth.npm-package': 'p@1.0.0' }, digest)).toEqual({
      kind: 'git',
      url: 'https://x.test/r.git',
      commit: 'c0ffee',
      path: undefined,
      package: 'p@1.0.0',
    });
    expect(provenanceOf('i', true, { 'berth.source': 'folder', 'berth.folder': '/src/m', 'berth.folder-hash': 'sha256:b' }, digest)).toMatchObject({ kind: 'folder', path: '/src/m', contentHash: 'sha256:b' });
  });

  it("takes a pulled image's labels for its publisher's word: its provenance is the reference and the registry digest", () => {
    expect(provenanceOf('r:5000/x:1', false, { 'berth.source': 'git', 'berth.git-url': 'u', 'berth.git-commit': 'c' }, `r:5000/x@${digest}`)).toEqual({ kind: 'image', ref: 'r:5000/x:1', digest });
  });
});

describe('remote and external specs', () => {
  it('resolves a remote server: no image, the secrets its headers name', () => {
    const r = resolve('servers:\n  hosted:\n    remote: { url: "https://mcp.x.test/mcp", headers: { Authorization: "Bearer ${TOKEN}", X-Team: core } }\n');
    if ('error' in r) throw new Error(r.error);
    expect(r.specs[0]).toMatchObject({ name: 'hosted', image: undefined, secrets: ['TOKEN'], remote: { url: 'https://mcp.x.test/mcp' } });
  });

  it('refuses what a remote or external server cannot say, each with one sentence', () => {
    const error = (yaml: string, file = USER) => {
      const r = resolve(yaml, file);
      return 'error' in r ? r.error : 'no error';
    };
    expect(error('servers:\n  h:\n    remote: { url: "http://mcp.x.test/mcp" }\n')).toContain('servers.h.remote.url: must be an https:// URL');
    expect(error('servers:\n  h:\n    remote: { url: "https://x.test/mcp", headers: { A: "${not a name}" } }\n')).toContain('may hold only ${SECRET_NAME} references');
    expect(error('servers:\n  h:\n    remote: { url: "https://x.test/mcp" }\n    image: a:1\n')).toContain('servers.h.image: a remote server is no container, so it has no image');
    expect(error('servers:\n  h:\n    remote: { url: "https://10.0.0.1/mcp", insecure: true }\n')).toContain('servers.h.remote.insecure: certificate checks may be skipped only for a server on this machine');
    expect(error('servers:\n  h:\n    remote: { url: "https://127.0.0.1:8443/mcp", insecure: true }\n')).toBe('no error');
    expect(error('servers:\n  e:\n    external: { command: node }\n')).toContain('servers.e.external: a command on the host runs as you, with no isolation at all; say so with `isolation: none`');
    expect(error('servers:\n  e:\n    image: a:1\n    isolation: none\n')).toContain('servers.e.isolation: only an external server runs without isolation');
    // A workspace's external server loads (its file's other servers run) and is refused by trust/, approved or not.
    const ws = resolve('servers:\n  e:\n    external: { command: node }\n    isolation: none\n', WORKSPACE);
    if ('error' in ws) throw new Error(ws.error);
    expect(admission(ws.specs[0]!, '/home/me/project', 'any')).toMatchObject({ ok: false, approval: { state: 'refused', reason: expect.stringContaining(`${WORKSPACE}: servers.e.external: a workspace's spec file may not ask for a command on the host, approved or not`) as unknown } });
    expect(error('servers:\n  e:\n    external: { command: node }\n    isolation: none\n')).toBe('no error');
  });

  it('accepts insecure only for loopback addresses', () => {
    expect(['https://127.0.0.1/mcp', 'https://127.9.9.9:1/mcp', 'https://[::1]:8443/mcp', 'https://localhost/mcp'].map(isLoopbackUrl)).toEqual([true, true, true, true]);
    expect(['https://10.0.0.1/mcp', 'https://localhost.evil.test/mcp', 'https://128.0.0.1/mcp'].map(isLoopbackUrl)).toEqual([false, false, false]);
  });
});

describe('hosted servers from catalogs and client configs', () => {
  it('makes secret and templated headers secret references named after server and header', () => {
    expect(remoteSpecOf('acme', 'https://x.test/mcp', undefined, [{ name: 'Authorization', value: 'Bearer {token}' }, { name: 'X-Api-Key', isSecret: true }, { name: 'X-Team', value: 'core' }])).toEqual({
      spec: { remote: { url: 'https://x.test/mcp', headers: { Authorization: 'Bearer ${ACME_AUTHORIZATION}', 'X-Api-Key': '${ACME_X_API_KEY}', 'X-Team': 'core' } } },
      secrets: ['ACME_AUTHORIZATION', 'ACME_X_API_KEY'],
    });
  });

  it('refuses the SSE transport and plain http with the reason', () => {
    expect(remoteSpecOf('a', 'https://x.test/sse', undefined, [])).toEqual({ refuse: expect.stringContaining('older SSE transport') });
    expect(remoteSpecOf('a', 'https://x.test/mcp', 'sse', [])).toEqual({ refuse: expect.stringContaining('older SSE transport') });
    expect(remoteSpecOf('a', 'http://x.test/mcp', undefined, [])).toEqual({ refuse: expect.stringContaining('not https') });
  });
});
