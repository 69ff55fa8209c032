/** What went wrong reaching a host, so callers (host test, the CLI, the extension) can say what to do. */
export type SshErrorKind =
  | 'unreachable'
  | 'host-key-unknown'
  | 'host-key-changed'
  | 'host-key-revoked'
  | 'auth'
  | 'passphrase'
  | 'dropped'
  | 'no-docker-cli'
  | 'engine-permission'
  | 'engine-down'
  | 'remote-command';

export interface HostKeyFacts {
  /** The name the key is recorded under (`host` or `[host]:port`). */
  name: string;
  keyType: string;
  fingerprint: string;
  /** For a changed key: the recorded one, and where it is recorded. */
  knownFingerprint?: string;
  knownAt?: string;
}

/**
 * Deliberately without a `code` property: the Docker runtime turns errors carrying socket codes
 * (ECONNREFUSED…) into a sentence about the local engine, which would be wrong for a remote one.
 */
export class SshError extends Error {
  constructor(
    readonly kind: SshErrorKind,
    message: string,
    readonly hostKey?: HostKeyFacts,
  ) {
    super(message);
    this.name = 'SshError';
  }
}

/** `docker system dial-stdio` and `docker version` on the remote side fail in a few known ways. */
export function explainRemoteDocker(where: string, user: string, exitCode: number | null, stderr: string): SshError {
  const text = stderr.trim().split('\n').slice(-3).join(' ');
  if (exitCode === 127 || /docker: (command )?not found/.test(stderr)) {
    return new SshError('no-docker-cli', `there is no docker CLI for ${user} on ${where} (\`docker\` is not on that user's PATH); install the Docker CLI there`);
  }
  if (/permission denied/i.test(stderr)) {
    return new SshError('engine-permission', `${user} on ${where} is not allowed to use the Docker engine (permission denied on its socket); add ${user} to the engine's group (usually "docker") there`);
  }
  if (/Cannot connect to the Docker daemon|Is the docker daemon running|connection refused|no such file or directory/i.test(stderr)) {
    return new SshError('engine-down', `the Docker engine on ${where} is not running (${text}); start it there`);
  }
  return new SshError('remote-command', `the docker CLI on ${where} failed (exit ${exitCode ?? 'signal'}): ${text || 'no output'}`);
}
