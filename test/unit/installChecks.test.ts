import { describe, expect, it } from 'vitest';
import { hardeningGaps, secretsInDefaults } from '../../daemon/catalog/installChecks.js';
import type { Hardening } from '../../daemon/hosts/runtime.js';
import { resolveSpec } from '../../daemon/servers/specFiles.js';
import { ServerSpecInput } from '../../daemon/protocol/spec.js';

const spec = (input: Record<string, unknown> = {}) => {
  const r = resolveSpec('s', ServerSpecInput.parse({ image: 'x:1', ...input }), '/f.yaml');
  if ('error' in r) throw new Error(r.error);
  return r.spec;
};

/** What the engine reports for a container made from the default hardened options. */
const HARDENED: Hardening = { readonlyRootfs: true, capDrop: ['ALL'], capAdd: [], securityOpt: ['no-new-privileges:true'], privileged: false, user: '10001:10001', networkMode: 'none', memoryBytes: 512 << 20, pidsLimit: 256 };

describe('install checks', () => {
  it('find nothing on a container hardened as its spec says, and each relaxation the spec did not ask for', () => {
    expect(hardeningGaps(HARDENED, spec())).toEqual([]);
    expect(hardeningGaps({ ...HARDENED, networkMode: 'bridge' }, spec({ network: 'bridge' }))).toEqual([]);
    expect(hardeningGaps({ ...HARDENED, networkMode: 'berth-abc-s-egress' }, spec({ network: { allow: ['api.example.com'] } }))).toEqual([]);
    expect(hardeningGaps({ ...HARDENED, capDrop: [], privileged: true, user: '0', securityOpt: [], readonlyRootfs: false, networkMode: 'host', memoryBytes: 0, pidsLimit: 0 }, spec())).toEqual([
      'capabilities are not all dropped',
      'it runs privileged',
      'its root filesystem is writable, the spec says otherwise',
      'no-new-privileges is off',
      'it runs as root',
      'its network is host, not none',
      'it has no memory limit',
      'it has no pids limit',
    ]);
  });

  it("find secrets in a catalog's env defaults by name or by shape, and nothing in plain settings", () => {
    expect(secretsInDefaults({ REGION: 'eu', READ_ONLY: 'true' })).toEqual([]);
    expect(secretsInDefaults({ API_TOKEN: '' })).toEqual([]);
    expect(secretsInDefaults({ SERVICE_API_KEY: 'demo' })).toEqual(['SERVICE_API_KEY has a default value; a secret should be a secret reference']);
    expect(secretsInDefaults({ GREETING: 'ghp_0123456789abcdefghijABCDEFGHIJ012345' })[0]).toMatch(/GitHub token ghp_…\[redacted\] at env\.GREETING/);
  });
});
