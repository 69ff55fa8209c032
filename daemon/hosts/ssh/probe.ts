import type { HostReport } from '../../protocol/hosts.js';
import { DockerRuntime } from '../dockerRuntime.js';
import { SshConnection } from './connection.js';
import { dockerForSsh } from './dockerForSsh.js';
import type { KnownHosts } from './knownHosts.js';
import { resolveTarget, sshEnv, SshUrl } from './sshConfig.js';
import { explainRemoteDocker, SshError } from './sshErrors.js';

type Check = HostReport['checks'][number];

export interface ProbeOptions {
  knownHosts: KnownHosts;
  passphrase?: string;
  acceptFingerprint?: string;
  onProgress?: (line: string) => void;
}

/**
 * `berth host test`: each step a user could get wrong, in order, on a fresh connection (so a test
 * never disturbs the host's live one): the URL and ~/.ssh/config, reaching sshd, its host key,
 * authentication, the docker CLI there, the user's right to use the engine, the engine itself,
 * and finally the API through `docker system dial-stdio`, which is what Berth uses.
 */
export async function probeHost(name: string, url: string, o: ProbeOptions): Promise<HostReport> {
  const checks: Check[] = [];
  const pass = (check: Check['check'], detail: string) => {
    checks.push({ check, ok: true, detail });
    o.onProgress?.(`✓ ${check}: ${detail}`);
  };
  const fail = (check: Check['check'], e: Error, extra: Partial<HostReport> = {}): HostReport => {
    checks.push({ check, ok: false, detail: e.message });
    o.onProgress?.(`✗ ${check}: ${e.message}`);
    return { ok: false, checks, error: e.message, ...extra };
  };

  const parsedUrl = SshUrl.safeParse(url);
  if (!parsedUrl.success) return fail('config', new Error(parsedUrl.error.issues[0]?.message ?? 'bad URL'));
  let target;
  try {
    target = await resolveTarget(parsedUrl.data, sshEnv());
  } catch (e) {
    return fail('config', e as Error);
  }
  const via = target.jumps.length ? ` via ${target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(', ')}` : '';
  pass('config', `${target.user}@${target.host}:${target.port}${via}`);

  const conn = new SshConnection(name, target, {
    knownHosts: o.knownHosts,
    passphrase: o.passphrase,
    acceptFingerprint: o.acceptFingerprint,
    onStep: (step) => o.onProgress?.(`… ${step}`),
  });
  try {
    try {
      await conn.connect();
    } catch (e) {
      const err = e as SshError;
      if (err.kind === 'unreachable') return fail('connect', err);
      pass('connect', `reached sshd at ${target.host}:${target.port}`);
      if (err.kind?.startsWith('host-key') && err.hostKey) {
        const status = err.kind === 'host-key-unknown' ? 'unknown' : err.kind === 'host-key-changed' ? 'changed' : 'revoked';
        return fail('host-key', err, { hostKey: { status, ...err.hostKey } });
      }
      pass('host-key', 'verified against known_hosts');
      return fail('auth', err, err.kind === 'passphrase' ? { needsPassphrase: true } : {});
    }
    pass('connect', `reached sshd at ${target.host}:${target.port}`);
    pass('host-key', 'verified against known_hosts');
    pass('auth', `logged in as ${target.user}`);

    const version = await conn.exec(`docker version --format '{{.Server.Version}}'`);
    if (version.code !== 0) {
      const err = explainRemoteDocker(conn.where, target.user, version.code, version.stderr);
      if (err.kind === 'no-docker-cli') return fail('docker-cli', err);
      pass('docker-cli', 'found');
      if (err.kind === 'engine-permission') return fail('permission', err);
      pass('permission', `${target.user} may use the engine's socket`);
      return fail('engine', err);
    }
    pass('docker-cli', 'found');
    pass('permission', `${target.user} may use the engine's socket`);
    pass('engine', `Docker ${version.stdout.trim()}`);

    try {
      const v = await new DockerRuntime(dockerForSsh(conn)).ping();
      pass('api', `API ${v.apiVersion} through docker system dial-stdio`);
      return { ok: true, checks, engineVersion: v.version, apiVersion: v.apiVersion };
    } catch (e) {
      return fail('api', e as Error);
    }
  } finally {
    conn.close();
  }
}
