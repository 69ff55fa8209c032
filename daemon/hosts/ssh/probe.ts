import type { HostReport } from '../../protocol/hosts.js';
import { DockerRuntime } from '../dockerRuntime.js';
import { SshConnection } from './connection.js';
import { dockerForSsh } from './dockerForSsh.js';
import type { KnownHosts } from './knownHosts.js';
import { resolveTarget, sshEnv, SshUrl, type SshTarget } from './sshConfig.js';
import { explainRemoteDocker, SshError } from './sshErrors.js';

type Check = HostReport['checks'][number];
type Ping = () => Promise<{ version: string; apiVersion: string }>;

/** How long `docker version` or the API ping may take on a host that is connected: a wedged engine must not hold a test. */
const STEP_MS = 20_000;

export interface ProbeOptions {
  knownHosts: KnownHosts;
  passphrase?: string;
  acceptFingerprint?: string;
  onProgress?: (line: string) => void;
}

/**
 * A host not added yet (`berth host add`, accepting its key): the URL and ~/.ssh/config, then the
 * checks on a connection of its own that ends with the test.
 */
export async function probeHost(name: string, url: string, o: ProbeOptions): Promise<HostReport> {
  const report = new Report(o.onProgress);
  const parsedUrl = SshUrl.safeParse(url);
  if (!parsedUrl.success) return report.fail('config', new Error(parsedUrl.error.issues[0]?.message ?? 'bad URL'));
  let target;
  try {
    target = await resolveTarget(parsedUrl.data, sshEnv());
  } catch (e) {
    return report.fail('config', e as Error);
  }
  report.pass('config', describeTarget(target));
  const conn = new SshConnection(name, target, {
    knownHosts: o.knownHosts,
    passphrase: o.passphrase,
    acceptFingerprint: o.acceptFingerprint,
    onStep: (step) => o.onProgress?.(`… ${step}`),
  });
  try {
    return await checkConnection(conn, () => new DockerRuntime(dockerForSsh(conn)).ping(), report);
  } finally {
    conn.close();
  }
}

/**
 * An added host (`berth host test`): the checks on the host's own connection, connecting it if it
 * is not up, with its own runtime for the API. Tests add no connections, so tests in parallel with
 * the host's servers never trip sshd's MaxStartups.
 */
export function testConnection(conn: SshConnection, ping: Ping, onProgress?: (line: string) => void): Promise<HostReport> {
  const report = new Report(onProgress);
  report.pass('config', describeTarget(conn.target));
  return checkConnection(conn, ping, report);
}

/**
 * Each step a user could get wrong, in order: reaching sshd, its host key, authentication, the
 * docker CLI there, the user's right to use the engine, the engine itself, and finally the API
 * through `docker system dial-stdio`, which is what Berth uses.
 */
async function checkConnection(conn: SshConnection, ping: Ping, report: Report): Promise<HostReport> {
  const { target } = conn;
  try {
    await conn.connect();
  } catch (e) {
    const err = e as SshError;
    if (err.kind === 'unreachable') return report.fail('connect', err);
    report.pass('connect', `reached sshd at ${target.host}:${target.port}`);
    if (err.kind?.startsWith('host-key') && err.hostKey) {
      const status = err.kind === 'host-key-unknown' ? 'unknown' : err.kind === 'host-key-changed' ? 'changed' : 'revoked';
      return report.fail('host-key', err, { hostKey: { status, ...err.hostKey } });
    }
    report.pass('host-key', 'verified against known_hosts');
    return report.fail('auth', err, err.kind === 'passphrase' ? { needsPassphrase: true } : {});
  }
  report.pass('connect', `reached sshd at ${target.host}:${target.port}`);
  report.pass('host-key', 'verified against known_hosts');
  report.pass('auth', `logged in as ${target.user}`);

  let version;
  try {
    version = await within(conn.exec(`docker version --format '{{.Server.Version}}'`, STEP_MS), `\`docker version\` on ${conn.where} did not finish within ${STEP_MS / 1000} s; check that the host is not overloaded and that its Docker engine answers`);
  } catch (e) {
    return report.fail('docker-cli', e as Error);
  }
  if (version.code !== 0) {
    const err = explainRemoteDocker(conn.where, target.user, version.code, version.stderr);
    if (err.kind === 'no-docker-cli') return report.fail('docker-cli', err);
    report.pass('docker-cli', 'found');
    if (err.kind === 'engine-permission') return report.fail('permission', err);
    report.pass('permission', `${target.user} may use the engine's socket`);
    return report.fail('engine', err);
  }
  report.pass('docker-cli', 'found');
  report.pass('permission', `${target.user} may use the engine's socket`);
  report.pass('engine', `Docker ${version.stdout.trim()}`);

  try {
    const v = await within(ping(), `the Docker API on ${conn.where} did not answer through \`docker system dial-stdio\` within ${STEP_MS / 1000} s; check that its Docker engine answers`);
    report.pass('api', `API ${v.apiVersion} through docker system dial-stdio`);
    return report.done({ engineVersion: v.version, apiVersion: v.apiVersion });
  } catch (e) {
    return report.fail('api', e as Error);
  }
}

/** The checks so far, each reported as a progress line as it is made. */
class Report {
  private readonly checks: Check[] = [];
  constructor(private readonly onProgress?: (line: string) => void) {}

  pass(check: Check['check'], detail: string): void {
    this.checks.push({ check, ok: true, detail });
    this.onProgress?.(`✓ ${check}: ${detail}`);
  }

  fail(check: Check['check'], e: Error, extra: Partial<HostReport> = {}): HostReport {
    this.checks.push({ check, ok: false, detail: e.message });
    this.onProgress?.(`✗ ${check}: ${e.message}`);
    return { ok: false, checks: this.checks, error: e.message, ...extra };
  }

  done(versions: { engineVersion: string; apiVersion: string }): HostReport {
    return { ok: true, checks: this.checks, ...versions };
  }
}

function describeTarget(target: SshTarget): string {
  const via = target.jumps.length ? ` via ${target.jumps.map((j) => `${j.user}@${j.host}:${j.port}`).join(', ')}` : '';
  return `${target.user}@${target.host}:${target.port}${via}`;
}

/** `step`, or a failure with `message` once STEP_MS has passed. */
function within<T>(step: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SshError('remote-command', message)), STEP_MS);
  });
  return Promise.race([step, late]).finally(() => clearTimeout(timer));
}
