import { describe, expect, it } from 'vitest';
import { judge, type ConformanceRun } from '../conformance/runConformance.js';

/** A run of scenarios a, b, c, each with the verdict its checks.json gave, and the CLI's exit code. */
function run(verdicts: Record<string, 'passed' | 'failed' | 'empty'>, exitCode = 0, ran = Object.keys(verdicts)): ConformanceRun {
  return {
    scenarios: ran.map((name) => ({ name, passed: verdicts[name] === 'passed' ? 1 : 0, failed: verdicts[name] === 'failed' ? 1 : 0 })),
    checks: { passed: 1, failed: 0 },
    exitCode,
    baseline: { unexpected: [], stale: [], expected: [] },
    checksOf: new Map(Object.entries(verdicts).map(([n, v]) => [n, v === 'empty' ? [{ id: 'skip', status: 'SKIPPED' }] : [{ id: 'c1', status: 'SUCCESS' }, ...(v === 'failed' ? [{ id: 'c2', status: 'WARNING' }] : [])]])),
    resultsDir: '/results',
  };
}
const expected = (failures: Record<string, string> = {}, skipped: Record<string, string> = {}) => ({ failures, skipped, scenarios: ['a', 'b', 'c'] });

describe('the conformance judge', () => {
  it('passes a run in which exactly the listed scenarios fail and the CLI exited 0', () => {
    expect(judge('x', run({ a: 'passed', b: 'failed', c: 'empty' }), expected({ b: 'why' }, { c: 'skipped by the suite' })).problems).toEqual([]);
  });

  it("keeps the CLI's exit code: a run the CLI failed fails", () => {
    expect(judge('x', run({ a: 'passed', b: 'passed', c: 'passed' }, 1), expected()).problems).toEqual(['the conformance CLI exited 1']);
  });

  it('counts a scenario whose only bad check is a WARNING as failed (its verdict says so), listed or not', () => {
    expect(judge('x', run({ a: 'failed', b: 'passed', c: 'passed' }), expected()).problems).toEqual(['failed (a FAILURE or WARNING check) though not expected: a']);
  });

  it('fails a scenario with no check at all ("0 passed, 0 failed") unless it is listed as skipped', () => {
    expect(judge('x', run({ a: 'empty', b: 'passed', c: 'passed' }), expected()).problems).toEqual(['no check passed or failed (0 of 0) in: a']);
  });

  it('fails when a scenario vanished, whether or not it was an expected failure, and when one arrived unlisted', () => {
    const r = run({ a: 'passed', b: 'passed', d: 'passed' }, 0, ['a', 'b', 'd']);
    expect(judge('x', r, expected()).problems).toEqual(['expected scenarios that did not run: c', 'scenarios that ran but are not in test/conformance/scenarios.yaml: d']);
  });

  it('fails on an expected failure that passed', () => {
    expect(judge('x', run({ a: 'passed', b: 'passed', c: 'passed' }), expected({ b: 'why' })).problems).toEqual(['expected to fail but did not (remove from the list): b']);
  });

  it('excuses one check named as scenario:check-id, and only that one', () => {
    expect(judge('x', run({ a: 'failed', b: 'passed', c: 'passed' }), expected({ 'a:c2': 'why' })).problems).toEqual([]);
    expect(judge('x', run({ a: 'passed', b: 'passed', c: 'passed' }), expected({ 'a:c2': 'why' })).problems).toEqual(['expected to fail but did not (remove from the list): a:c2']);
  });
});
