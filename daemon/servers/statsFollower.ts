import type { ContainerRuntime } from '../hosts/runtime.js';
import { statsFromSample, type ServerStats } from '../stats/sample.js';

/** A server container's CPU, memory and network, from the engine's stats stream. */
export class StatsFollower {
  /** The latest numbers; they outlast the run that read them until the container is seen stopped. */
  latest: ServerStats | undefined;
  private stream: { close(): void } | undefined;

  constructor(
    private readonly rt: ContainerRuntime,
    private readonly onChange: () => void,
  ) {}

  /** Follows container `id` for as long as `current()` holds: the run that started it. */
  async follow(id: string, current: () => boolean): Promise<void> {
    const stream = await this.rt.stats(id, (sample) => {
      const s = statsFromSample(sample);
      if (s && current()) {
        this.latest = s;
        this.onChange();
      }
    });
    if (!current()) stream.close();
    else this.stream = stream;
  }

  stop(): void {
    this.stream?.close();
    this.stream = undefined;
  }
}
