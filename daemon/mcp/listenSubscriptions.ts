import type { RequestId } from '@modelcontextprotocol/server';
import type { McpBackend } from './proxyServer.js';

/** How long subscribing or giving back one resource on the server may take. */
const SUBSCRIBE_WAIT_MS = 10_000;

/** The resources a 2026-07-28 `subscriptions/listen` request names, if any. */
export function listenedResources(params: unknown): string[] {
  const named = (params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)?.notifications?.resourceSubscriptions;
  return Array.isArray(named) ? named.filter((u): u is string => typeof u === 'string') : [];
}

/**
 * The resource subscriptions of one client's 2026-07-28 listen streams, held on the server's shared
 * session (2026-07-28 has no `resources/subscribe`; the backend translates for a server that does
 * not have it either): each stream's resources are subscribed to while it is open, counted with
 * everyone else's, and given back when it ends.
 */
export class ListenSubscriptions {
  private readonly streams = new Map<RequestId, string[]>();
  /** Every resource some open stream names: what this client is to hear updates of. */
  readonly uris = new Set<string>();

  constructor(
    private readonly backend: () => McpBackend,
    private readonly client: string,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** A stream opens: its resources are subscribed to before it is acknowledged. */
  async open(id: RequestId, uris: string[]): Promise<void> {
    this.streams.set(id, uris);
    for (const uri of uris) this.uris.add(uri);
    await this.each(uris, 'resources/subscribe');
  }

  /** A stream ends (cancelled, or its connection went): its subscriptions are given back. */
  close(id: RequestId): void {
    const uris = this.streams.get(id);
    this.streams.delete(id);
    if (!uris) return;
    this.uris.clear();
    for (const left of this.streams.values()) for (const uri of left) this.uris.add(uri);
    void this.each(uris, 'resources/unsubscribe');
  }

  has(id: RequestId): boolean {
    return this.streams.has(id);
  }

  closeAll(): void {
    for (const id of [...this.streams.keys()]) this.close(id);
  }

  private async each(uris: string[], method: 'resources/subscribe' | 'resources/unsubscribe'): Promise<void> {
    const signal = AbortSignal.timeout(SUBSCRIBE_WAIT_MS);
    await Promise.all(uris.map((uri) => this.backend().request(method, { uri }, { signal, client: this.client }).catch(() => undefined)));
  }
}
