import type { Client } from '@modelcontextprotocol/client';
import type { ServerSpec } from '../protocol/spec.js';
import type { Phase, ServerStatus } from '../protocol/status.js';

const HEALTH_HISTORY = 20;

type HealthCheck = ServerStatus['health'][number];

/** What the pings read of their server's supervisor, as it is at each ping. */
export interface HealthServer {
  readonly spec: ServerSpec;
  readonly phase: Phase;
}

/** How the supervisor takes what the pings find. */
export interface HealthEvents {
  onChange(): void;
  /** An unhealthy server answers pings again. */
  answering(): void;
  /** Too many pings in a row went unanswered. */
  unhealthy(reason: string): void;
}

/**
 * MCP-level health: a ping (or, in MCP 2026-07-28, a `server/discover`) over the server's session on its spec's interval, the last pings kept
 * for its status, and a server that stops answering found unhealthy.
 */
export class HealthMonitor {
  private checks: HealthCheck[] = [];
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly server: HealthServer,
    private readonly on: HealthEvents,
  ) {}

  get history(): HealthCheck[] {
    return this.checks;
  }

  /** Pings `client` for as long as `current()` holds: the run that connected it. */
  watch(client: Client, current: () => boolean): void {
    const { intervalSeconds, timeoutSeconds, failuresBeforeUnhealthy } = this.server.spec.health;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void this.ping(client, current, timeoutSeconds, failuresBeforeUnhealthy);
    }, intervalSeconds * 1000);
    this.timers.add(t);
  }

  /** The run ended: no more pings. The history stays. */
  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private async ping(client: Client, current: () => boolean, timeoutSeconds: number, failuresBeforeUnhealthy: number): Promise<void> {
    if (!current()) return;
    const t0 = Date.now();
    try {
      // 2026-07-28 has no `ping`; `server/discover` is its cheapest request.
      if (client.getProtocolEra() === 'modern') await client.discover({ timeout: timeoutSeconds * 1000 });
      else await client.ping({ timeout: timeoutSeconds * 1000 });
      this.record({ t: t0, ok: true, ms: Date.now() - t0 });
      if (this.server.phase === 'unhealthy') this.on.answering();
    } catch (e) {
      if (!current()) return;
      this.record({ t: t0, ok: false, error: (e as Error).message });
      const failures = this.trailingFailures();
      if (failures >= failuresBeforeUnhealthy && this.server.phase !== 'unhealthy') {
        this.on.unhealthy(`it did not answer ${failures} pings in a row`);
        return;
      }
    }
    this.watch(client, current);
  }

  private trailingFailures(): number {
    let n = 0;
    for (let i = this.checks.length - 1; i >= 0 && this.checks[i]?.ok === false; i--) n++;
    return n;
  }

  private record(check: HealthCheck): void {
    this.checks = [...this.checks, check].slice(-HEALTH_HISTORY);
    this.on.onChange();
  }
}
