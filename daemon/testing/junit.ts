import path from 'node:path';
import type { TestRunResult } from '../protocol/testRuns.js';

const escape = (s: string) =>
  s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** JUnit XML as CI systems read it: a suite per file and host, a test case per case, its failed steps as the failure. */
export function junitXml(run: TestRunResult): string {
  const suites = run.files.flatMap((f) => {
    const name = path.basename(f.file);
    if (f.error) {
      return [`  <testsuite name="${escape(name)}" tests="1" failures="1" skipped="0" time="0.000">\n    <testcase classname="${escape(name)}" name="load" time="0.000">\n      <failure message="${escape(f.error)}"/>\n    </testcase>\n  </testsuite>`];
    }
    const hosts = [...new Set(f.cases.map((c) => c.host))];
    return hosts.map((host) => {
      const cases = f.cases.filter((c) => c.host === host);
      const suite = hosts.length > 1 ? `${name} [${host}]` : name;
      const body = cases.map((c) => {
        const failed = c.steps.flatMap((s) => s.failures.map((x) => `${s.label}: ${x.message}`));
        const detail = c.steps.flatMap((s) => s.failures.flatMap((x) => (x.expected === undefined ? [] : [`${s.label}\nexpected:\n${x.expected}\nactual:\n${x.actual ?? ''}`])));
        const inner =
          c.status === 'failed'
            ? `\n      <failure message="${escape(failed.join('; '))}">${escape(detail.join('\n\n'))}</failure>\n    `
            : c.status === 'skipped'
              ? '\n      <skipped/>\n    '
              : '';
        return `    <testcase classname="${escape(suite)}" name="${escape(c.id)}" time="${seconds(c.durationMs)}">${inner}</testcase>`;
      });
      const failures = cases.filter((c) => c.status === 'failed').length;
      const skipped = cases.filter((c) => c.status === 'skipped').length;
      const time = cases.reduce((t, c) => t + c.durationMs, 0);
      return `  <testsuite name="${escape(suite)}" tests="${cases.length}" failures="${failures}" skipped="${skipped}" time="${seconds(time)}">\n${body.join('\n')}\n  </testsuite>`;
    });
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="berth test" tests="${run.passed + run.failed + run.skipped}" failures="${run.failed}" skipped="${run.skipped}" time="${seconds(run.durationMs)}">\n${suites.join('\n')}\n</testsuites>\n`;
}
