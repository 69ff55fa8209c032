import { RemoteSpec, type ServerSpecInput } from '../protocol/spec.js';

/** One header of a hosted server as a catalog or a client config describes it. */
export interface RemoteHeader {
  name: string;
  /** A fixed value, or a template such as `Bearer {token}`; absent when the user supplies it. */
  value?: string;
  isSecret?: boolean;
}

/** The secret a header's value is kept in, per server so two hosted servers never share one: `docs` + `Authorization` → `DOCS_AUTHORIZATION`. */
export function headerSecretName(server: string, header: string): string {
  const name = `${server}_${header}`.toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^[^A-Z_]+/, '').slice(0, 64);
  return name || 'HEADER';
}

/**
 * A hosted MCP server as a `remote:` spec: a secret header (or one whose value is a template)
 * becomes a secret reference named after it; a fixed one is kept. What Berth cannot reach (the
 * old SSE transport, plain http) is refused with the reason.
 */
export function remoteSpecOf(server: string, url: string, transport: string | undefined, headers: RemoteHeader[]): { spec: Partial<ServerSpecInput>; secrets: string[] } | { refuse: string } {
  if (transport === 'sse' || /\/sse\/?$/.test(url)) return { refuse: `it is a hosted server at ${url} on the older SSE transport; Berth reaches hosted servers over Streamable HTTP only` };
  if (!url.startsWith('https://')) return { refuse: `it is a hosted server at ${url}, which is not https; Berth reaches hosted servers over HTTPS only` };
  const secrets: string[] = [];
  const values: Record<string, string> = {};
  for (const h of headers) {
    // `{token}` (server.json), `{{x.token}}` made `{x.token}` (Docker's catalog), or `${TOKEN}`.
    const templated = h.value !== undefined && /\{[^}]+\}/.test(h.value);
    if (h.isSecret || templated || h.value === undefined) {
      const secret = headerSecretName(server, h.name);
      secrets.push(secret);
      values[h.name] = templated ? (h.value ?? '').replace(/\$?\{[^}]+\}/g, `\${${secret}}`) : `\${${secret}}`;
    } else {
      values[h.name] = h.value;
    }
  }
  const remote = RemoteSpec.safeParse({ url, ...(Object.keys(values).length ? { headers: values } : {}) });
  if (!remote.success) return { refuse: `its URL or headers are not ones Berth accepts (${remote.error.issues[0]?.message ?? 'invalid'})` };
  return { spec: { remote: remote.data }, secrets };
}
