import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attr, startCollector } from '../collector.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';

describe('OTLP export through the daemon', () => {
  let home: TestHome;
  beforeEach(async () => {
    home = await TestHome.create();
  });
  afterEach(() => home.dispose());

  it('sends a span for each tool call to the collector telemetry.yaml names', async () => {
    const collector = await startCollector();
    try {
      await mkdir(path.dirname(home.paths.userSpecFile), { recursive: true });
      await writeFile(path.join(path.dirname(home.paths.userSpecFile), 'telemetry.yaml'), `otlp:\n  endpoint: ${collector.url}\n`);
      await home.writeSpecs(`servers:\n  tl:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n`);
      await home.ok(['start', 'tl']);
      await home.ok(['call', 'tl', 'echo', '{"message":"argument-value-7731"}']);
      const span = await waitFor('the call\'s span at the collector', async () => collector.spans().find((s) => s.name === 'tools/call echo'), 30_000);
      expect(attr(span, 'berth.server')).toBe('tl');
      expect(attr(span, 'berth.outcome')).toBe('ok');
      expect(span.status.code).toBe(1);
      // Argument values never leave: not in the audit log, not in a span.
      expect(JSON.stringify(collector.received)).not.toContain('argument-value-7731');
    } finally {
      await collector.close();
    }
  });
});
