import { createHash, createHmac } from 'node:crypto';
import { ProtocolError, ProtocolErrorCode, type CallToolResult } from '@modelcontextprotocol/client';
import type { BerthPaths } from '../protocol/paths.js';
import type { Capabilities } from '../protocol/status.js';
import { PolicyRefusedError } from '../protocol/errors.js';
import { LOCAL_HOST } from '../protocol/hosts.js';
import type { SecretSource } from '../protocol/policy.js';
import { EditorSecrets } from '../secrets/editor.js';
import { Redactor } from '../secrets/redact.js';
import { SecretStore } from '../secrets/store.js';
import { checkMount, mountPolicy } from './mounts.js';
import { describeChanges, PinStore, type PinComparison } from './pinning.js';
import { describeMatches, scanValue } from './secretScan.js';
import { checkCall, filterTools, type ToolPolicy } from './tools.js';

/** What of a spec the security policy reads; a subset of ServerSpec. */
export interface PolicySpec {
  name: string;
  host: string;
  env: Record<string, string>;
  volumes: { source: string; target: string; allowSensitive?: boolean }[];
  secrets?: string[];
  tools?: ToolPolicy;
}

/**
 * The daemon's security policy in one place, for the supervisor and the API: secrets (stored or
 * handed in by an editor, injected, redacted), tool policy and pinning, secret scanning of tool
 * calls, and the mount check repeated at container creation (a symlink may have changed since the
 * spec was read).
 */
export class SecurityContext {
  readonly secrets: SecretStore;
  /** Values an editor handed in: memory only, and they win over stored values of the same name. */
  readonly editorSecrets = new EditorSecrets();
  readonly pins: PinStore;
  readonly redactor: Redactor;
  /** Tools withheld per server by pinning, from the last comparison. */
  private withheld = new Map<string, Set<string>>();

  constructor(stateDir: string, private readonly env: NodeJS.ProcessEnv = process.env) {
    this.secrets = new SecretStore(stateDir);
    this.pins = new PinStore(stateDir);
    // A stored value an editor's value shadows is redacted too: a container made before may hold it.
    this.redactor = new Redactor(() => [...this.secrets.values(), ...this.editorSecrets.values()]);
    this.secrets.onChange(() => this.redactor.refresh());
    this.editorSecrets.onChange(() => this.redactor.refresh());
  }

  static open(paths: BerthPaths): SecurityContext {
    return new SecurityContext(paths.stateDir);
  }

  redact(text: string): string {
    return this.redactor.redact(text);
  }

  /**
   * Checked right before a container is created: its mounts (again, on the filesystem as it is
   * now) and its secrets, which become env entries. Throws one sentence.
   */
  containerEnv(spec: PolicySpec): Record<string, string> {
    if (spec.host === LOCAL_HOST) {
      for (const [i, v] of spec.volumes.entries()) {
        const r = checkMount(v.source, mountPolicy(this.env, v.allowSensitive ?? false));
        if (!r.ok) throw new PolicyRefusedError(`volumes.${i}: ${r.reason}`);
      }
    }
    return { ...spec.env, ...this.resolveSecrets(spec.name, spec.secrets ?? []) };
  }

  /** The value servers get for a secret and where it comes from: an editor's value wins over a stored one. */
  secretValue(name: string): { value: string; source: SecretSource } | undefined {
    const editor = this.editorSecrets.get(name);
    if (editor !== undefined) return { value: editor, source: 'editor' };
    const stored = this.secrets.get(name);
    return stored === undefined ? undefined : { value: stored, source: 'stored' };
  }

  /**
   * The values of the secrets a server's spec names, as env entries. A secret set nowhere is one
   * sentence that says how to set it.
   */
  private resolveSecrets(server: string, names: string[]): Record<string, string> {
    const env: Record<string, string> = {};
    const missing: string[] = [];
    for (const n of names) {
      const v = this.secretValue(n);
      if (v) env[n] = v.value;
      else missing.push(n);
    }
    if (missing.length) {
      const many = missing.length > 1;
      throw new PolicyRefusedError(
        `server ${server} needs secret${many ? 's' : ''} ${missing.join(', ')}, which ${many ? 'are' : 'is'} not set; set ${many ? 'each' : 'it'} with \`berth secret set ${missing[0]}\` or, in VS Code, "Berth: Set Secret…"`,
      );
    }
    return env;
  }

  /**
   * Hands in values an editor holds. Each one's keyed fingerprint is remembered on disk (never the
   * value), so a daemon that restarts before the editor hands them in again can still adopt the
   * containers made with them.
   */
  provideSecrets(secrets: { name: string; value: string }[]): void {
    this.editorSecrets.provide(secrets);
    for (const s of secrets) this.secrets.rememberEditorFingerprint(s.name, this.valueFingerprint(s.name, s.value));
  }

  forgetSecrets(names: string[]): string[] {
    for (const n of names) this.secrets.rememberEditorFingerprint(n, undefined);
    return this.editorSecrets.forget(names);
  }

  /**
   * Every secret that has a value, plus the names specs use (`named`), without values: its
   * sources, the one servers get first, and when that value was set or handed in.
   */
  listSecrets(named: string[]): { name: string; sources: SecretSource[]; updated?: number }[] {
    const stored = new Map(this.secrets.list().map((s) => [s.name, s.updated]));
    const names = new Set([...this.editorSecrets.names(), ...stored.keys(), ...named]);
    return [...names]
      .sort((a, b) => a.localeCompare(b))
      .map((name) => {
        const provided = this.editorSecrets.provided(name);
        const sources: SecretSource[] = [...(provided !== undefined ? ['editor' as const] : []), ...(stored.has(name) ? ['stored' as const] : [])];
        return { name, sources, updated: provided ?? stored.get(name) };
      });
  }

  /** A keyed fingerprint of one value, so neither a container label nor the state folder can be used to guess it. */
  private valueFingerprint(name: string, value: string): string {
    return createHmac('sha256', this.secrets.fingerprintKey()).update(`${name}\0${value}`).digest('hex').slice(0, 32);
  }

  /**
   * A fingerprint of the secret values a spec uses, keyed so a container label cannot be used to
   * guess them: a changed value means a new container.
   */
  secretsFingerprint(spec: PolicySpec): string {
    const names = spec.secrets ?? [];
    if (!names.length) return '';
    const h = createHmac('sha256', this.secrets.fingerprintKey());
    for (const n of [...names].sort()) h.update(`${n}\0${this.hashInput(n)}\0`);
    return h.digest('hex').slice(0, 16);
  }

  /**
   * What the container hash folds in for one secret. A stored value goes in as it is (as it always
   * has, so existing containers keep their hash). An editor's value goes in by its fingerprint,
   * which is all a restarted daemon knows of it until the editor hands it in again: the container
   * made with it is then adopted, not recreated. NUL-prefixed, which no value can be.
   */
  private hashInput(name: string): string {
    const v = this.secretValue(name);
    if (v?.source === 'stored') return v.value;
    const fp = v ? this.valueFingerprint(name, v.value) : this.secrets.editorFingerprint(name);
    return fp === undefined ? '\u0000missing' : `\u0000editor:${fp}`;
  }

  /** The secrets a spec names that are set nowhere (stored, handed in, or known by an editor's fingerprint). */
  missingSecrets(spec: PolicySpec): string[] {
    return (spec.secrets ?? []).filter((n) => this.hashInput(n) === '\u0000missing');
  }

  /** The container's spec hash with the secrets' fingerprint folded in. */
  containerHash(specHash: string, spec: PolicySpec): string {
    const fp = this.secretsFingerprint(spec);
    return fp ? createHash('sha256').update(`${specHash}:${fp}`).digest('hex').slice(0, 16) : specHash;
  }

  /** Whether the server's tools were ever pinned (else its next offer is trusted on first use). */
  pinned(server: string): boolean {
    return this.pins.has(server);
  }

  /**
   * Compares a server's freshly listed tools with their pins; changed and new ones are withheld,
   * except tools added while its first offer is still settling (`firstUse`): trusted on first use
   * like the rest of that offer.
   */
  review(server: string, caps: Capabilities, firstUse = false): PinComparison {
    const c = this.pins.compare(server, caps.tools, firstUse);
    this.withheld.set(server, new Set([...c.changed.map((x) => x.tool), ...c.added.map((t) => t.name)]));
    return c;
  }

  /** What clients see: tools the policy blocks or pinning withholds are not listed at all. */
  visible(server: string, policy: ToolPolicy | undefined, caps: Capabilities): Capabilities {
    const withheld = this.withheld.get(server);
    const tools = filterTools(caps.tools, policy).filter((t) => !withheld?.has(t.name));
    return tools.length === caps.tools.length ? caps : { ...caps, tools };
  }

  /** Refuses a call the policy blocks, a withheld tool, or arguments carrying a secret. */
  checkCall(server: string, tool: string, args: Record<string, unknown> | undefined, caps: Capabilities | undefined, policy: ToolPolicy | undefined): void {
    // Without a policy, a tool the cached list lacks goes to the server, which knows its own tools best.
    const blocked = policy ? checkCall(tool, caps?.tools ?? [], policy, server) : undefined;
    if (blocked) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, blocked);
    if (this.withheld.get(server)?.has(tool)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidRequest,
        `tool "${tool}" of server ${server} is withheld by tool pinning: its definition changed since you approved it; review it with \`berth tools pending ${server}\` and approve it with \`berth tools approve ${server} ${tool}\``,
      );
    }
    const found = scanValue(args ?? {}, '$');
    if (found.length) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `blocked by secret scanning: the arguments of ${server}/${tool} ${describeMatches('', found).trimStart()}`);
  }

  /** Refuses a result that carries a secret, so it never reaches a model. */
  checkResult(server: string, tool: string, result: CallToolResult): void {
    const found = scanValue(result.content ?? [], '$.content');
    const structured = result.structuredContent === undefined ? [] : scanValue(result.structuredContent, '$.structuredContent');
    const all = [...found, ...structured];
    if (all.length) throw new ProtocolError(ProtocolErrorCode.InternalError, `blocked by secret scanning: the result of ${server}/${tool} ${describeMatches('', all).trimStart()}`);
  }

  /** The pending changes of a server, with a readable diff. */
  pending(server: string): PinComparison & { diff: string } {
    const c = this.pins.pending(server) ?? { approved: [], changed: [], added: [], removed: [] };
    return { ...c, diff: describeChanges(server, c) };
  }

  approve(server: string, tools?: string[]): string[] {
    const approved = this.pins.approve(server, tools);
    const pending = this.pins.pending(server);
    if (pending) this.withheld.set(server, new Set([...pending.changed.map((x) => x.tool), ...pending.added.map((t) => t.name)]));
    return approved;
  }
}
