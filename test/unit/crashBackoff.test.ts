import { describe, expect, it } from 'vitest';
import { CrashBackoff } from '../../daemon/servers/restartPolicy.js';

describe('CrashBackoff', () => {
  it('backs off a server that never became healthy, and calls it a crash loop from the third crash', () => {
    const b = new CrashBackoff();
    const t0 = 10_000_000;
    const delays = [0, 1, 2, 3, 4, 5, 6].map((i) => b.next(t0 + i * 120_000).delayMs);
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(b.crashLoop).toBe(7);
  });

  it('resets after a healthy minute, not after a short one', () => {
    const b = new CrashBackoff();
    b.next(0);
    b.next(1000);
    b.healthy(2000);
    expect(b.next(30_000).delayMs).toBe(4000);
    b.healthy(40_000);
    expect(b.next(100_000)).toEqual({ delayMs: 1000, attempt: 1 });
    expect(b.crashLoop).toBeUndefined();
  });

  it('a stop or start the user asks for ends the crash loop', () => {
    const b = new CrashBackoff();
    for (let i = 0; i < 4; i++) b.next(i);
    expect(b.crashLoop).toBe(4);
    b.reset();
    expect(b.crashLoop).toBeUndefined();
    expect(b.next(10).delayMs).toBe(1000);
  });
});
