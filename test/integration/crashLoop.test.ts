import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsState } from '../../daemon/protocol/alerts.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

// One crash loop, told in order: the second case watches the loop the first one started, so this
// describe runs in file order.
describe('a server that exits before initialize: a crash loop that backs off', { shuffle: false }, () => {
  let home: TestHome;

  beforeAll(async () => {
    home = await TestHome.create();
    await home.writeSpecs(`servers:
  loop:
    image: ${FIXTURE_IMAGE}
    args: [-e, "console.error('boom: no config file at /cfg'); process.exit(3)"]
    alerts: { restarts: { count: 2, withinSeconds: 600 }, unhealthy: false }
`);
  });

  afterAll(async () => {
    await home.dispose();
  });

  it('backs off 1 s, 2 s, 4 s, 8 s and says the exit code and the last stderr line', async () => {
    // The start itself fails (the server exits at once); the restart policy keeps trying.
    const start = await home.berth(['start', 'loop']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('it exited with code 3 before answering MCP initialize; its last output: boom: no config file at /cfg');
    const log = await waitFor(
      'the fourth restart to be scheduled',
      async () => {
        const text = await home.ok(['logs', 'loop', '--grep', 'restarting in']);
        return text.includes('attempt 4') ? text : undefined;
      },
      120_000,
    );
    const delays = [...log.matchAll(/restarting in (\d+) s \(attempt (\d+)/g)].map((m) => Number(m[1]));
    expect(delays.slice(0, 4)).toEqual([1, 2, 4, 8]);
    expect(log).toContain('crash loop: 3 crashes in a row');
  });

  it('shows the crash loop in status and raises the restarts alert; a stop clears both', async () => {
    const s = await waitFor('crash loop in the status', async () => {
      const st = await home.server('loop');
      return st.crashLoop ? st : undefined;
    });
    expect(s.crashLoop).toBeGreaterThanOrEqual(3);
    expect(s.message).toContain('exited with code 3');
    expect(await home.ok(['status'])).toMatch(/loop\s+local\s+\S+ \(crash loop\)/);
    await waitFor(
      'the restarts alert',
      async () => (await home.json<AlertsState>(['alerts'])).open.find((a) => a.server === 'loop' && a.rule === 'restarts'),
      120_000,
    );

    await home.ok(['stop', 'loop']);
    const stopped = await home.server('loop');
    expect(stopped.phase).toBe('stopped');
    expect(stopped.crashLoop).toBeUndefined();
    expect(await home.ok(['status'])).not.toContain('crash loop');
    await waitFor('the restarts alert to clear', async () => !(await home.json<AlertsState>(['alerts'])).open.some((a) => a.server === 'loop'), 60_000);
  });
});
