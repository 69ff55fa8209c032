/**
 * One run of a piece of work per key at a time: a caller that asks while it runs joins it and gets
 * its result, plus its progress lines so far and from then on. Thirty `berth host test` calls at
 * once are one test, not thirty sets of SSH channels (or connections) on the host.
 */
export class SingleFlight<T> {
  private readonly runs = new Map<string, { result: Promise<T>; lines: string[]; listeners: Set<(line: string) => void> }>();

  run(key: string, work: (progress: (line: string) => void) => Promise<T>, onProgress?: (line: string) => void): Promise<T> {
    const joined = this.runs.get(key);
    if (joined) {
      if (onProgress) {
        for (const line of joined.lines) onProgress(line);
        joined.listeners.add(onProgress);
      }
      return joined.result;
    }
    const lines: string[] = [];
    const listeners = new Set(onProgress ? [onProgress] : []);
    const progress = (line: string) => {
      lines.push(line);
      for (const l of listeners) l(line);
    };
    const result = work(progress).finally(() => this.runs.delete(key));
    this.runs.set(key, { result, lines, listeners });
    return result;
  }
}
