import { z } from 'zod';
import { AlertRules, AlertsSpecInput, resolveAlerts } from './alerts.js';
import { parseRule } from './egressRule.js';
import { HostName, LOCAL_HOST } from './hosts.js';
import { Name, SECRET_NAME, SecretName } from './names.js';
import { UpdatePolicy, UpdatePolicyInput } from './updatePolicy.js';

export const ServerName = Name;

/**
 * Names Berth uses itself, beside the servers': the daemon's own log (`logs/daemon.log`), Berth's
 * own MCP endpoint, and `berth tools approve|pending`. A server may not take one.
 */
export const RESERVED_SERVER_NAMES = ['daemon', 'berth', 'approve', 'pending'] as const;

/** The name of a server being added or declared: any name but Berth's own. */
export const NewServerName = ServerName.refine((n) => !(RESERVED_SERVER_NAMES as readonly string[]).includes(n), {
  message: `is one of Berth's own names (${RESERVED_SERVER_NAMES.join(', ')}); pick another`,
});

/**
 * Docker's reference grammar (registry/path:tag@digest), strict enough that nothing shell-shaped
 * (`;`, `$(…)`, backticks, spaces) or flag-shaped (`-x`) gets through.
 */
export const ImageRef = z
  .string()
  .max(255)
  .regex(
    /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/,
    'is not a valid image reference (expected something like "name:tag" or "registry:5000/path/name:tag")',
  );

export const NpmPackage = z
  .string()
  .regex(/^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, 'is not a valid npm package name');

export const EnvKey = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not a valid environment variable name');

/** Plain strings handed to the container's argv; never to a shell. */
const Arg = z.string().max(4096);
/**
 * Bounds on what one server may carry, so a spec that validates can always be made into a
 * container (an engine refuses a create request past its own limits, with a cryptic status).
 */
export const SPEC_LIMITS = { argv: 1024, env: 256, envValue: 32768, argvAndEnvBytes: 256 * 1024, volumes: 64, secrets: 64 } as const;
const Argv = z.array(Arg).max(SPEC_LIMITS.argv, `may have at most ${SPEC_LIMITS.argv} entries; put long inputs in a mounted file instead`);
const EnvMap = z
  .record(EnvKey, z.string().max(SPEC_LIMITS.envValue))
  .refine((env) => Object.keys(env).length <= SPEC_LIMITS.env, `may set at most ${SPEC_LIMITS.env} variables; put long inputs in a mounted file instead`);

export const VolumeSpec = z
  .object({
    source: z.string().min(1),
    target: z.string().min(1),
    readOnly: z.boolean().default(true),
    /** Mount it even though it is a sensitive host path (credentials, the Docker socket, /etc…). */
    allowSensitive: z.boolean().optional(),
  })
  .strict();

const EgressRule = z
  .string()
  .max(260)
  .superRefine((text, ctx) => {
    const r = parseRule(text);
    if ('error' in r) ctx.addIssue({ code: z.ZodIssueCode.custom, message: r.error });
  });

/**
 * `none` (no network at all), `bridge` (the engine's default network), or an egress allowlist:
 * the server gets an isolated network whose only way out is a proxy that opens what `allow`
 * names; cloud metadata and the host are never reachable.
 */
export const NetworkSpec = z.union([
  z.enum(['none', 'bridge']),
  z.object({ allow: z.array(EgressRule).min(1, 'must name at least one host').max(256) }).strict(),
], { error: 'must be none, bridge, or an egress allowlist { allow: [host, …] }' });

const ToolName = z.string().min(1).max(200);

/** `tools:` in a spec: which of a server's tools are offered at all. */
export const ToolPolicySpec = z
  .object({
    allow: z.array(ToolName).optional(),
    deny: z.array(ToolName).optional(),
    /** Only tools that declare `annotations.readOnlyHint: true`. */
    readOnly: z.boolean().optional(),
  })
  .strict();

// Each group is written twice from one shape: as a spec file may say it (every field optional,
// no defaults, so a catalog's value is not overwritten by a default) and fully defaulted.
const limitsShape = {
  memory: z.string(),
  cpus: z.string(),
  pids: z.number().int().min(16).max(65536),
};
export const Limits = z
  .object({ memory: limitsShape.memory.default('512m'), cpus: limitsShape.cpus.default('1'), pids: limitsShape.pids.default(256) })
  .strict();

/** Each hardening default may be relaxed, explicitly, per server. */
const securityShape = {
  readOnlyRootfs: z.boolean(),
  noNewPrivileges: z.boolean(),
  user: z.string().regex(/^[0-9]+(?::[0-9]+)?$|^[a-z_][a-z0-9_-]*$/, 'must be a uid[:gid] or a user name'),
  capAdd: z.array(z.string().regex(/^[A-Z_]+$/, 'must be a capability name like NET_BIND_SERVICE')),
};
export const Security = z
  .object({
    readOnlyRootfs: securityShape.readOnlyRootfs.default(true),
    noNewPrivileges: securityShape.noNewPrivileges.default(true),
    user: securityShape.user.default('10001:10001'),
    capAdd: securityShape.capAdd.default([]),
  })
  .strict();

const healthShape = {
  intervalSeconds: z.number().min(1).max(3600),
  timeoutSeconds: z.number().min(1).max(600),
  initializeTimeoutSeconds: z.number().min(1).max(600),
  failuresBeforeUnhealthy: z.number().int().min(1).max(100),
  /**
   * A tool call that goes this long without an answer or a progress notification fails with a
   * JSON-RPC error; other calls are not held up. Each progress notification starts it afresh.
   */
  callTimeoutSeconds: z.number().min(1).max(3600),
  /** Per tool, instead of callTimeoutSeconds: `{ build: 900 }`. */
  toolTimeoutSeconds: z.record(z.string().min(1).max(200), z.number().min(1).max(86400)),
  /** No call runs longer than this (or its own timeout, if longer), even one that keeps sending progress. */
  callMaxSeconds: z.number().min(1).max(86400),
};
export const Health = z
  .object({
    intervalSeconds: healthShape.intervalSeconds.default(15),
    timeoutSeconds: healthShape.timeoutSeconds.default(10),
    initializeTimeoutSeconds: healthShape.initializeTimeoutSeconds.default(60),
    failuresBeforeUnhealthy: healthShape.failuresBeforeUnhealthy.default(3),
    callTimeoutSeconds: healthShape.callTimeoutSeconds.default(120),
    toolTimeoutSeconds: healthShape.toolTimeoutSeconds.default({}),
    callMaxSeconds: healthShape.callMaxSeconds.default(3600),
  })
  .strict();

const optional = <T extends Record<string, z.ZodType>>(shape: T) => z.object(shape).partial().strict();

/**
 * Where an HTTP-transport server listens inside its container. The daemon reaches it on the
 * container's own address; no port is ever published on the host.
 */
export const HttpEndpoint = z
  .object({
    port: z.number().int().min(1).max(65535),
    path: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, 'must be a URL path like /mcp').default('/mcp'),
  })
  .strict();

/**
 * Which MCP revision the daemon speaks to the server. `auto` asks first (`server/discover`) and
 * falls back to 2025's `initialize`; `legacy` goes straight to `initialize`; `modern` insists on
 * 2026-07-28. Absent: `auto` for http servers, `legacy` for stdio ones, because on stdio the
 * question goes down the server's one pipe, and some older servers exit on a request they do not
 * know before `initialize` (they would then never start); say `auto` or `modern` for a stdio
 * server known to speak 2026-07-28.
 */
export const ProtocolChoice = z.enum(['auto', 'legacy', 'modern']);
export type ProtocolChoice = z.infer<typeof ProtocolChoice>;

/** An npm package: installed on the daemon's machine and copied into an image (images/npmImage.ts). */
export const NpmBuild = z.object({ npm: NpmPackage, version: z.string().regex(/^[A-Za-z0-9.^~<>=*|-]+$/).optional() }).strict();

/** Inside a repository or folder: plain relative segments, so a build never reads outside it. */
const RelativePath = z
  .string()
  .max(500)
  .regex(/^[A-Za-z0-9._@+-]+(?:\/[A-Za-z0-9._@+-]+)*$/, 'must be a relative path inside the repository, like "servers/weather"')
  .refine((p) => !p.split('/').includes('..'), 'must not contain ".."');

/**
 * A git repository, cloned at `ref` (a branch, a tag or a commit; HEAD when absent). At `path`
 * (the root when absent) a Dockerfile is built as it is; a Node package is built like an npm one.
 * Only URL schemes git fetches without running anything local (no `ext::`), never flag-shaped.
 */
export const GitBuild = z
  .object({
    git: z.string().max(2000).regex(/^(?:https|ssh|git|file):\/\/[^\s]+$/, 'must be an https://, ssh://, git:// or file:// URL'),
    ref: z.string().max(250).regex(/^[A-Za-z0-9_][A-Za-z0-9._\/-]*$/, 'must be a branch, tag or commit name').refine((r) => !r.includes('..'), 'must not contain ".."').optional(),
    path: RelativePath.optional(),
  })
  .strict();

/** A folder on the daemon's machine (checked like a mount): a Dockerfile there is built, a Node package is built like an npm one. */
export const FolderBuild = z.object({ folder: z.string().min(1).max(4096) }).strict();

/**
 * Where a server's image comes from when Berth builds it (`berth build` rebuilds it): an npm
 * package, a git repository or a local folder. Python packages are recognised only to say that
 * Berth cannot build them here.
 */
export const BuildSource = z.union([NpmBuild, GitBuild, FolderBuild], {
  error: 'must be { npm: PACKAGE, version }, { git: URL, ref, path } or { folder: PATH }',
});
export type BuildSource = z.infer<typeof BuildSource>;

/** A Python package: a spec may say it (imports and registries do), and resolving it says why it cannot run. */
export const PypiBuild = z.object({ pypi: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,213}$/, 'is not a valid Python package name'), version: z.string().max(64).optional() }).strict();

/** The sentence for every Python source (a spec's `build: { pypi }`, a registry's pypi package, an imported `uvx` entry). */
export function pythonUnbuildable(pkg: string): string {
  return `${pkg} is a Python package; Berth has no Python build yet (npm packages, git repositories, folders and images only), so run an image of it instead`;
}

/** An HTTP header's name, and a value that may hold secret references: `Bearer ${GITHUB_TOKEN}`. */
const HeaderName = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'is not a valid HTTP header name');
const HeaderValue = z
  .string()
  .max(8192)
  .regex(/^[^\r\n]*$/, 'must be one line')
  .refine((v) => [...v.matchAll(/\$\{([^}]*)\}/g)].every((m) => SECRET_NAME.test(m[1] ?? '')), 'may hold only ${SECRET_NAME} references to secrets (`berth secret set NAME`)');

/** The secret names a remote server's header values refer to. */
export function headerSecrets(headers: Record<string, string> | undefined): string[] {
  return [...new Set(Object.values(headers ?? {}).flatMap((v) => [...v.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] ?? '')))];
}

/**
 * A hosted MCP server, reached by the daemon over Streamable HTTP at an https URL: no container,
 * the same gateway, policy, pinning and audit. A private CA is named by a PEM file (`ca`);
 * `insecure` skips certificate checks and is accepted only for a loopback address.
 */
export const RemoteSpec = z
  .object({
    url: z.string().max(2000).regex(/^https:\/\/[^\s]+$/, 'must be an https:// URL'),
    headers: z.record(HeaderName, HeaderValue).optional(),
    ca: z.string().min(1).max(4096).optional(),
    insecure: z.boolean().optional(),
  })
  .strict();
export type RemoteSpec = z.infer<typeof RemoteSpec>;

/**
 * A command run on the daemon's machine, as the user, speaking MCP over its stdio: not isolated
 * at all, so a spec must also say `isolation: none` to have it.
 */
export const ExternalSpec = z.object({ command: z.string().min(1).max(4096), args: Argv.optional() }).strict();
export type ExternalSpec = z.infer<typeof ExternalSpec>;

/** What a spec file may say about one server (the name is the key it sits under). */
export const ServerSpecInput = z
  .object({
    catalog: z.string().optional(),
    description: z.string().max(500).optional(),
    host: HostName.default(LOCAL_HOST),
    image: ImageRef.optional(),
    remote: RemoteSpec.optional(),
    external: ExternalSpec.optional(),
    /** `none`: the explicit acknowledgement an `external` server needs (it runs on the host, unisolated). */
    isolation: z.literal('none').optional(),
    build: z.union([BuildSource, PypiBuild], { error: 'must be { npm: PACKAGE, version }, { git: URL, ref, path } or { folder: PATH }' }).optional(),
    transport: z.enum(['stdio', 'http']).default('stdio'),
    http: HttpEndpoint.optional(),
    protocol: ProtocolChoice.optional(),
    command: Argv.optional(),
    args: Argv.optional(),
    env: EnvMap.optional(),
    volumes: z.array(VolumeSpec).max(SPEC_LIMITS.volumes).optional(),
    /** A folder in the container kept in a named volume of the server's own; `false` turns a catalog entry's off. */
    state: z.union([z.string().min(1), z.literal(false)]).optional(),
    network: NetworkSpec.optional(),
    limits: optional(limitsShape).optional(),
    security: optional(securityShape).optional(),
    health: optional(healthShape).optional(),
    restart: z.enum(['on-failure', 'always', 'never']).optional(),
    /** Names of secrets (`berth secret set NAME`) injected as env variables of the same name; never values. */
    secrets: z.array(SecretName).max(SPEC_LIMITS.secrets).optional(),
    tools: ToolPolicySpec.optional(),
    /** When Berth raises an alert about this server (every rule has a default; `false` turns one off). */
    alerts: AlertsSpecInput.optional(),
    /** When Berth looks for a newer version, what it may apply alone, how long it watches a swap, how many images it keeps. */
    update: UpdatePolicyInput.optional(),
  })
  .strict();
export type ServerSpecInput = z.infer<typeof ServerSpecInput>;

/** A fully resolved server spec: catalog defaults applied, every field present. */
export const ServerSpec = z.object({
  name: ServerName,
  description: z.string().optional(),
  host: HostName,
  /** Absent for the servers that are no container: `remote` and `external` ones. */
  image: ImageRef.optional(),
  build: BuildSource.optional(),
  remote: RemoteSpec.optional(),
  external: ExternalSpec.optional(),
  transport: z.enum(['stdio', 'http']),
  http: HttpEndpoint.optional(),
  protocol: ProtocolChoice.optional(),
  command: z.array(Arg).optional(),
  args: z.array(Arg),
  env: z.record(EnvKey, z.string()),
  volumes: z.array(VolumeSpec),
  /** Where its named state volume is mounted: kept across restarts, updates, rollbacks and daemon restarts. */
  state: z.string().optional(),
  network: NetworkSpec,
  limits: Limits,
  security: Security,
  health: Health,
  restart: z.enum(['on-failure', 'always', 'never']),
  secrets: z.array(SecretName).default([]),
  tools: ToolPolicySpec.optional(),
  alerts: AlertRules.default(() => resolveAlerts(undefined)),
  update: UpdatePolicy.default(() => UpdatePolicy.parse({})),
  /** Where the spec came from: the file that defines it. */
  source: z.string(),
});
export type ServerSpec = z.infer<typeof ServerSpec>;

export const SpecFile = z
  .object({
    servers: z.record(z.string(), ServerSpecInput).default({}),
  })
  .strict();
