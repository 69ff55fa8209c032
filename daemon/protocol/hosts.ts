import { z } from 'zod';
import { request, WithProgress } from './define.js';
import { Name } from './names.js';

/** The Docker hosts servers run on: `local`, and SSH hosts the user registers by name. */
export const LOCAL_HOST = 'local';

export const HostName = Name;

/** A name for a new SSH host: `local` is the local engine's. */
export const NewHostName = HostName.refine((n) => n !== LOCAL_HOST, '"local" is the local engine; pick another name');

export const Fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'must be an OpenSSH SHA256 fingerprint like SHA256:AbC… (43 characters after the colon)');

export const HostState = z.enum(['idle', 'connecting', 'up', 'down']);

export const HostInfo = z.object({
  name: z.string(),
  /** `ssh://user@host[:port]`, or the engine address for `local`. */
  url: z.string(),
  state: HostState,
  engineVersion: z.string().optional(),
  /** Why the host is down, in one sentence. */
  error: z.string().optional(),
  servers: z.number(),
});
export type HostInfo = z.infer<typeof HostInfo>;

export const HostCheckName = z.enum(['config', 'connect', 'host-key', 'auth', 'docker-cli', 'permission', 'engine', 'api']);

export const HostReport = z.object({
  ok: z.boolean(),
  /** In order; the first failure ends the list. */
  checks: z.array(z.object({ check: HostCheckName, ok: z.boolean(), detail: z.string() })),
  engineVersion: z.string().optional(),
  apiVersion: z.string().optional(),
  error: z.string().optional(),
  /** Set when the host key stopped the test: shown to the user, who may accept an unknown one. */
  hostKey: z
    .object({
      status: z.enum(['unknown', 'changed', 'revoked']),
      name: z.string(),
      keyType: z.string(),
      fingerprint: z.string(),
      knownFingerprint: z.string().optional(),
      knownAt: z.string().optional(),
    })
    .optional(),
  /** An identity file is encrypted and no agent holds it: ask the user for its passphrase. */
  needsPassphrase: z.boolean().optional(),
});
export type HostReport = z.infer<typeof HostReport>;

/** Sent only to the daemon and held in its memory for this host; never written anywhere. */
const Passphrase = z.string().min(1).max(1024);

export const HostsList = request('hosts/list', z.object({}).strict(), z.array(HostInfo));

/** Tests the host first; it is saved only if the test passes. */
export const HostsAdd = request(
  'hosts/add',
  z.object({ name: NewHostName, url: z.string().max(500), passphrase: Passphrase.optional(), acceptHostKey: Fingerprint.optional(), ...WithProgress }).strict(),
  z.object({ host: HostInfo.optional(), report: HostReport }),
);

export const HostsRemove = request('hosts/remove', z.object({ name: NewHostName }).strict(), z.object({ removed: z.string() }));

export const HostsTest = request(
  'hosts/test',
  z.object({ name: HostName, passphrase: Passphrase.optional(), acceptHostKey: Fingerprint.optional(), ...WithProgress }).strict(),
  HostReport,
);

/**
 * Records an unknown host key the user has seen and accepted, in Berth's own known_hosts. The
 * daemon connects again and records the key only if the host still presents this fingerprint.
 * `target` is a registered host's name or an `ssh://` URL (a host being added).
 */
export const HostsAcceptKey = request('hosts/acceptKey', z.object({ target: z.string().min(1).max(500), fingerprint: Fingerprint }).strict(), HostReport);
