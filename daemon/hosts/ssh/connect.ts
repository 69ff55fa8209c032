import { readFile } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { Client, utils, type AnyAuthMethod, type ConnectConfig, type ParsedKey } from 'ssh2';
import { fingerprint, keyTypeOf, knownHostsName, knownKeyTypes, verifyHostKey, type KnownHosts } from './knownHosts.js';
import { SshError } from './sshErrors.js';
import type { SshTarget } from './sshConfig.js';

export interface ConnectOptions {
  knownHosts: KnownHosts;
  /** For an encrypted identity file; held in memory by the caller, never written anywhere. */
  passphrase?: string;
  /** A fingerprint the user has just accepted: an unknown key with it is recorded and trusted. */
  acceptFingerprint?: string;
  /** Reports each step (for `berth host add` progress). */
  onStep?: (step: string) => void;
}

/** ssh2's defaults; the types a host is already known by go first, as OpenSSH orders them. */
const HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

function algorithmsFor(keyType: string): string[] {
  return keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType];
}

const KEEPALIVE_MS = 5_000;
const KEEPALIVE_MISSES = 3;

/** Opens one authenticated SSH connection to the target, hopping through its ProxyJump hosts. */
export async function connectClient(target: SshTarget, o: ConnectOptions): Promise<Client> {
  let sock: Duplex | undefined;
  const hops: Client[] = [];
  try {
    for (const [i, hop] of target.jumps.entries()) {
      const client = await connectOne(hop, o, sock);
      hops.push(client);
      const next = target.jumps[i + 1] ?? target;
      sock = await forward(client, next.host, next.port);
    }
    const client = await connectOne(target, o, sock);
    // The hops live exactly as long as the connection through them.
    client.once('close', () => hops.forEach((h) => h.end()));
    return client;
  } catch (e) {
    hops.forEach((h) => h.end());
    throw e;
  }
}

function forward(client: Client, host: string, port: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
      if (err) reject(new SshError('unreachable', `the jump host could not reach ${host}:${port}: ${err.message}`));
      else resolve(stream);
    });
  });
}

async function connectOne(target: SshTarget, o: ConnectOptions, sock: Duplex | undefined): Promise<Client> {
  const where = `${target.host}:${target.port}`;
  const keyName = knownHostsName(target.keyName.host, target.keyName.port);
  const entries = await o.knownHosts.entries(target.knownHostsFiles);
  const known = knownKeyTypes(entries, keyName).flatMap(algorithmsFor);
  const serverHostKey = [...new Set([...known.filter((a) => HOST_KEY_ALGORITHMS.includes(a)), ...HOST_KEY_ALGORITHMS])];
  const { methods, locked, tried } = await authMethods(target, o.passphrase);
  if (!methods.length) {
    if (locked.length) throw passphraseNeeded(locked);
    throw new SshError('auth', `no SSH credentials for ${target.user}@${where}: no agent (SSH_AUTH_SOCK is not set) and none of ${target.identityFiles.join(', ')} exists`);
  }

  let keyProblem: SshError | undefined;
  const client = new Client();
  o.onStep?.(`connecting to ${target.user}@${where}`);
  return new Promise<Client>((resolve, reject) => {
    const fail = (e: Error) => {
      client.removeAllListeners('ready');
      // A refused handshake may be followed by a reset from the server: one error is the answer,
      // and a later one must not go unheard (unheard, it would end the daemon).
      client.on('error', () => undefined);
      client.end();
      reject(e);
    };
    // How far a connection that times out got: each stage has its own thing to check.
    let stage: Stage = 'tcp';
    client.once('connect', () => (stage = 'greeting'));
    client.once('handshake', () => (stage = 'login'));
    client.once('ready', () => {
      client.removeAllListeners('error');
      // A later error (a dropped socket) shows up as 'close', which the owner watches.
      client.on('error', () => undefined);
      resolve(client);
    });
    client.once('error', (e: Error & { level?: string; code?: string }) => {
      if (keyProblem) return fail(keyProblem);
      if (e.level === 'client-authentication') {
        return fail(
          locked.length && !o.passphrase
            ? passphraseNeeded(locked)
            : new SshError('auth', `${target.user}@${where} refused every key Berth offered (${tried.join(', ')}); check the user name and that one of these keys is in that user's authorized_keys`),
        );
      }
      const named = `${where}${target.alias !== target.host ? ` (${target.alias})` : ''}`;
      if (e.level === 'client-timeout') return fail(timedOut(named, stage, target.connectTimeoutMs));
      fail(new SshError('unreachable', `cannot reach ${named}: ${e.code ?? e.message}`));
    });
    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      sock,
      username: target.user,
      authHandler: methods,
      readyTimeout: target.connectTimeoutMs,
      keepaliveInterval: KEEPALIVE_MS,
      keepaliveCountMax: KEEPALIVE_MISSES,
      algorithms: { serverHostKey: serverHostKey as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        void checkHostKey(o, entries, keyName, key).then(
          () => {
            o.onStep?.(`host key ${fingerprint(key)} verified`);
            verify(true);
          },
          (e: SshError) => {
            keyProblem = e;
            verify(false);
          },
        );
      },
    };
    client.connect(config);
  });
}

async function checkHostKey(o: ConnectOptions, entries: Awaited<ReturnType<KnownHosts['entries']>>, name: string, key: Buffer): Promise<void> {
  const verdict = verifyHostKey(entries, name, key);
  const facts = { name, keyType: keyTypeOf(key), fingerprint: fingerprint(key) };
  switch (verdict.status) {
    case 'known':
      return;
    case 'unknown':
      if (o.acceptFingerprint === facts.fingerprint) {
        await o.knownHosts.record(name, key);
        return;
      }
      throw new SshError(
        'host-key-unknown',
        `the host key of ${name} is not known: ${facts.keyType} ${facts.fingerprint}; if that is the host's key, accept it (berth host add/test … --accept-host-key ${facts.fingerprint})`,
        facts,
      );
    case 'changed': {
      const knownAt = `${verdict.entry.file}:${verdict.entry.line}`;
      const knownFingerprint = fingerprint(Buffer.from(verdict.entry.key, 'base64'));
      throw new SshError(
        'host-key-changed',
        `the host key of ${name} has CHANGED: it now presents ${facts.keyType} ${facts.fingerprint}, but ${knownAt} records ${knownFingerprint}. This may be an attack; Berth refuses to connect. If the change is expected, remove line ${verdict.entry.line} of ${verdict.entry.file} and accept the new key`,
        { ...facts, knownFingerprint, knownAt },
      );
    }
    case 'revoked':
      throw new SshError('host-key-revoked', `the host key of ${name} (${facts.fingerprint}) is marked @revoked in ${verdict.entry.file}:${verdict.entry.line}; Berth refuses to connect`, facts);
  }
}

type Stage = 'tcp' | 'greeting' | 'login';

/** ssh2's readyTimeout (ssh's ConnectTimeout) covers the TCP connect, the handshake and the login. */
function timedOut(where: string, stage: Stage, ms: number): SshError {
  const within = `within ${Math.round(ms / 1000)} s`;
  const why = {
    tcp: `no answer to the TCP connection ${within}; check the address and port, and that no firewall drops the connection`,
    greeting: `it accepted the connection but sent no SSH greeting ${within}; check that sshd (and not another service) listens on that port and is not hung`,
    login: `the SSH login did not finish ${within}; check that sshd there is not overloaded and that the SSH agent answers`,
  }[stage];
  return new SshError('unreachable', `cannot reach ${where}: ${why}`);
}

function passphraseNeeded(files: string[]): SshError {
  return new SshError('passphrase', `${files.join(', ')} ${files.length > 1 ? 'are' : 'is'} encrypted and no SSH agent holds the key; give its passphrase (berth host test NAME --passphrase) or add it to your agent (ssh-add)`);
}

/** The agent first (as ssh does), then each identity file that exists and can be decrypted. */
async function authMethods(target: SshTarget, passphrase: string | undefined): Promise<{ methods: AnyAuthMethod[]; locked: string[]; tried: string[] }> {
  const methods: AnyAuthMethod[] = [];
  const locked: string[] = [];
  const tried: string[] = [];
  if (target.agent && !target.identitiesOnly) {
    methods.push({ type: 'agent', username: target.user, agent: target.agent });
    tried.push('the SSH agent');
  }
  for (const file of target.identityFiles) {
    const data = await readFile(file).catch(() => undefined);
    if (!data) continue;
    // An OpenSSH private key file gives an array of keys, which ssh2's types leave out.
    const parsed = utils.parseKey(data, passphrase);
    const key = Array.isArray(parsed) ? (parsed[0] as ParsedKey | undefined) : parsed;
    if (!key || key instanceof Error) {
      const encrypted = /encrypt|passphrase|decrypt/i.test(key instanceof Error ? key.message : '');
      if (encrypted && passphrase !== undefined) throw new SshError('passphrase', `the passphrase given does not decrypt ${file}`);
      if (encrypted) locked.push(file);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key });
    tried.push(file);
  }
  return { methods, locked, tried };
}
