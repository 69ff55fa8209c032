import { expect, it } from 'vitest';

/**
 * The cases of a suite that prints a line of counts. A case is declared when its file is collected,
 * counted as run when it starts and as passed when every check of it held; `verify` (from the
 * suite's afterAll) then fails unless every declared case ran and passed. So a case that silently
 * drops out (skipped, filtered away with -t, never reached) or an empty suite ("0 of 0") fails the
 * run, and the expected total is whatever the file declares: a new case needs no count edited.
 */
export class Tally {
  private readonly declared: string[] = [];
  private readonly started = new Set<string>();
  private readonly held = new Set<string>();

  /** `min`: the fewest cases the suite may have (a floor against a block of them vanishing). */
  constructor(
    private readonly what: string,
    private readonly min: number,
  ) {}

  it(name: string, fn: () => Promise<void>): void {
    if (this.declared.includes(name)) throw new Error(`${this.what}: two cases are named "${name}"`);
    this.declared.push(name);
    it(name, async () => {
      this.started.add(name);
      await fn();
      this.held.add(name);
    });
  }

  get total(): number {
    return this.declared.length;
  }
  get ran(): number {
    return this.started.size;
  }
  get passed(): number {
    return this.held.size;
  }

  verify(): void {
    const missing = this.declared.filter((n) => !this.started.has(n));
    expect(missing, `${this.what}: declared but never run`).toEqual([]);
    expect(this.total, `${this.what}: fewer cases than the suite's floor`).toBeGreaterThanOrEqual(this.min);
    expect(this.passed, `${this.what}: ${this.passed} of ${this.total} passed`).toBe(this.total);
  }
}
