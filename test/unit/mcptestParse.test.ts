import { describe, expect, it } from 'vitest';
import { parseMcpTest } from '../../daemon/protocol/mcptestYaml.js';
import { substitute } from '../../daemon/testing/captures.js';
import { readJsonPath } from '../../daemon/testing/jsonPath.js';
import { checkExpectations } from '../../daemon/testing/expectations.js';
import { percentile } from '../../daemon/testing/bench.js';
import { junitXml } from '../../daemon/testing/junit.js';

const FILE = `server: memory
fresh: per-file
snapshot: { file: __snapshots__/memory.tools.json }
cases:
  - id: create-then-read
    steps:
      - call: create_entities
        args: { entities: [{ name: Alice }] }
        capture: { who: "$.content[0].text" }
      - call: read_graph
        expect: { isError: false, contains: Alice }
  - id: bad-args
    call: create_entities
    args: { entities: 42 }
    expect: { error: true }
`;

describe('scenario files', () => {
  it('parse into cases and steps with the lines they sit on', () => {
    const p = parseMcpTest(FILE);
    if (!p.ok) throw new Error(p.error);
    expect(p.file.snapshot).toEqual({ file: '__snapshots__/memory.tools.json', breaking: 'fail', additive: 'warn' });
    expect(p.cases.map((c) => [c.id, c.range.start.line, c.steps.map((s) => [s.label, s.range.start.line])])).toEqual([
      ['create-then-read', 4, [['call create_entities', 6], ['call read_graph', 9]]],
      ['bad-args', 11, [['call create_entities', 11]]],
    ]);
  });

  it('name the line and path of what is wrong', () => {
    expect(parseMcpTest('server: memory\ncases:\n  - id: a\n    call: x\n    expect: { contain: y }\n')).toMatchObject({ ok: false, error: expect.stringMatching(/^line 5: cases\.0\.expect: Unrecognized key: "contain"/) });
    expect(parseMcpTest('server: image:x\nfresh: none\ncases: [{ id: a, listTools: true }]\n')).toMatchObject({ ok: false, error: 'line 2: fresh: a throwaway server (image: or catalog:) needs fresh: per-file or per-case' });
    expect(parseMcpTest('server: m\ncases:\n  - { id: a, listTools: true }\n  - { id: a, listTools: true }\n')).toMatchObject({ ok: false, error: 'line 4: cases.1.id: "a" is used by an earlier case; case ids must be unique' });
    expect(parseMcpTest('server: [\n')).toMatchObject({ ok: false, error: expect.stringMatching(/^line \d+: /) });
  });
});

describe('JSONPath and captures', () => {
  const v = { content: [{ type: 'text', text: 'hi' }], 'odd key': { n: 1 } };
  it('reads the subset scenario files use, and nothing past a dead end', () => {
    expect(readJsonPath(v, '$.content[0].text')).toBe('hi');
    expect(readJsonPath(v, "$['odd key'].n")).toBe(1);
    expect(readJsonPath(v, '$.content[-1].type')).toBe('text');
    expect(readJsonPath(v, '$.content[3].text')).toBeUndefined();
    expect(readJsonPath(v, '$')).toBe(v);
    expect(() => readJsonPath(v, 'content')).toThrow('must start with "$"');
    expect(() => readJsonPath(v, '$..x')).toThrow('cannot be read at "..x"');
  });

  it('put a whole capture in as it is, and one inside text as text', () => {
    const captured = new Map<string, unknown>([['who', { name: 'Alice' }], ['n', 3]]);
    expect(substitute({ a: '{{who}}', b: ['x {{n}} y'], c: 1 }, captured)).toEqual({ a: { name: 'Alice' }, b: ['x 3 y'], c: 1 });
    expect(() => substitute('{{nope}}', captured)).toThrow('{{nope}} is not captured by an earlier step');
  });
});

describe('expectations', () => {
  const ok = (text: string, extra: object = {}) => ({ kind: 'call' as const, tool: 't', latencyMs: 5, result: { content: [{ type: 'text' as const, text }], ...extra } });
  it('pass when everything holds', () => {
    expect(checkExpectations({ isError: false, contains: ['a', 'b'], matches: '^ab', equals: 'abc', jsonPath: { '$.content[0].type': 'text' }, latencyMs: { max: 10 } }, ok('abc'))).toEqual([]);
  });
  it('say what differs, with expected and actual', () => {
    expect(checkExpectations({ contains: 'z' }, ok('abc'))).toEqual([{ message: `tool t's answer does not contain "z"`, expected: 'z', actual: 'abc' }]);
    expect(checkExpectations({ latencyMs: { max: 1 } }, ok('abc'))[0]?.message).toBe('tool t took 5 ms, over its budget of 1 ms');
    expect(checkExpectations({ equals: { a: 1 } }, ok('{"a":2}'))[0]).toMatchObject({ expected: '{\n  "a": 1\n}', actual: '{\n  "a": 2\n}' });
    expect(checkExpectations(undefined, { kind: 'call', tool: 't', latencyMs: 1, error: { code: -32602, message: 'bad' } })[0]?.message).toBe('tool t failed with a JSON-RPC error -32602: bad');
    expect(checkExpectations({ error: { code: -32601 } }, { kind: 'call', tool: 't', latencyMs: 1, error: { code: -32602, message: 'bad' } })[0]?.message).toBe('tool t failed with error code -32602, not -32601');
  });
  it('check structured content against the output schema', () => {
    const outputSchema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] };
    expect(checkExpectations({ matchesOutputSchema: true }, { ...ok('x', { structuredContent: { n: 1 } }), outputSchema })).toEqual([]);
    expect(checkExpectations({ matchesOutputSchema: true }, { ...ok('x', { structuredContent: { n: 'one' } }), outputSchema })[0]?.message).toMatch(/does not match its output schema/);
  });
});

describe('reports', () => {
  it('take percentiles by nearest rank', () => {
    const s = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(s, 0.5), percentile(s, 0.95), percentile(s, 0.99), percentile([], 0.5)]).toEqual([50, 95, 99, 0]);
  });
  it('write JUnit XML with failures, escaped', () => {
    const xml = junitXml({
      passed: 1, failed: 1, skipped: 0, durationMs: 1500, cancelled: false,
      files: [{ file: '/w/a.mcptest.yaml', server: 'm', status: 'failed', cases: [
        { id: 'ok', host: 'local', status: 'passed', durationMs: 10, steps: [] },
        { id: 'bad', host: 'local', status: 'failed', durationMs: 20, steps: [{ label: 'call t', status: 'failed', durationMs: 20, warnings: [], failures: [{ message: 'no <x> & "y"', expected: 'a', actual: 'b' }] }] },
      ] }],
    });
    expect(xml).toContain('<testsuite name="a.mcptest.yaml" tests="2" failures="1" skipped="0" time="0.030">');
    expect(xml).toContain('<failure message="call t: no &lt;x&gt; &amp; &quot;y&quot;">call t\nexpected:\na\nactual:\nb</failure>');
  });
});

describe('starter files', () => {
  it('call each read-only tool with arguments its schema accepts, and parse back', async () => {
    const { starterFile, exampleFor } = await import('../../daemon/testing/init.js');
    const { stringify } = await import('yaml');
    expect(exampleFor({ type: 'object', properties: { n: { type: 'integer', minimum: 3 }, s: { type: 'string' }, e: { enum: ['b', 'c'] }, opt: { type: 'string' } }, required: ['n', 's', 'e'] })).toEqual({ n: 3, s: 'example', e: 'b' });
    const file = starterFile('m', {
      tools: [
        { name: 'read', inputSchema: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }, annotations: { readOnlyHint: true } },
        { name: 'write', inputSchema: { type: 'object' } },
      ],
      prompts: [],
      resources: [],
    });
    expect(file.cases.map((c) => c.id)).toEqual(['lists-its-tools', 'calls-read']);
    const parsed = parseMcpTest(stringify(file));
    expect(parsed.ok && parsed.file.cases[1]).toMatchObject({ call: 'read', args: { q: 'example' } });
  });
});
