import { fromJsonSchema, type CallToolResult } from '@modelcontextprotocol/client';
import { canonicalJson } from '../protocol/canonicalJson.js';
import type { Expect } from '../protocol/mcptest.js';
import type { TestFailure } from '../protocol/testRuns.js';
import { compileGrep } from '../logs/grep.js';
import { readJsonPath } from './jsonPath.js';

/** What one step got back: a tool call's result or JSON-RPC error, or a list. */
export type Outcome =
  | { kind: 'call'; tool: string; result?: CallToolResult; error?: { code?: number; message: string }; latencyMs: number; outputSchema?: Record<string, unknown> }
  | { kind: 'list'; what: 'tools' | 'prompts' | 'resources'; items: { name?: string; uri?: string }[]; latencyMs: number };

/** The value JSONPath, `equals` and captures read: the tool result, or `{ tools: [...] }` for a list. */
export function outcomeValue(o: Outcome): unknown {
  if (o.kind === 'list') return { [o.what]: o.items };
  return o.result ?? { error: o.error };
}

/** The result's text content, joined by lines; without any, its JSON. */
export function outcomeText(o: Outcome): string {
  if (o.kind === 'call' && o.result) {
    const texts = o.result.content.flatMap((c) => (c.type === 'text' ? [c.text] : []));
    if (texts.length) return texts.join('\n');
  }
  if (o.kind === 'call' && o.error) return o.error.message;
  return JSON.stringify(outcomeValue(o));
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v, null, 2) ?? 'undefined');

/** Every expectation of a step that does not hold; none means it passed. */
export function checkExpectations(expect: Expect | undefined, o: Outcome): TestFailure[] {
  const failures: TestFailure[] = [];
  const fail = (message: string, expected?: unknown, actual?: unknown) =>
    failures.push({ message, ...(expected === undefined ? {} : { expected: show(expected) }), ...(actual === undefined ? {} : { actual: show(actual) }) });
  const e = expect ?? {};
  const what = o.kind === 'call' ? `tool ${o.tool}` : `the ${o.what} list`;

  if (o.kind === 'call') {
    const wantError = e.error !== undefined && e.error !== false;
    if (o.error && !wantError) {
      fail(`${what} failed with a JSON-RPC error${o.error.code === undefined ? '' : ` ${o.error.code}`}: ${o.error.message}`);
      return failures;
    }
    if (wantError) {
      if (!o.error) {
        fail(`expected ${what} to fail with a JSON-RPC error, but it answered${o.result?.isError ? ' (with isError: true, a tool error, not a JSON-RPC error)' : ''}`, 'a JSON-RPC error', outcomeText(o));
        return failures;
      }
      const want = typeof e.error === 'object' ? e.error : {};
      if (want.code !== undefined && want.code !== o.error.code) fail(`${what} failed with error code ${o.error.code ?? 'none'}, not ${want.code}`, want.code, o.error.code);
      if (want.message !== undefined && !o.error.message.includes(want.message)) fail(`${what}'s error does not contain "${want.message}"`, want.message, o.error.message);
    }
    if (e.isError !== undefined && o.result && (o.result.isError ?? false) !== e.isError) {
      fail(`expected isError: ${e.isError}, but ${what} answered isError: ${o.result.isError ?? false}`, `isError: ${e.isError}`, outcomeText(o));
    }
    if (e.matchesOutputSchema) {
      if (!o.outputSchema) fail(`${what} declares no output schema to check its result against`);
      else if (o.result?.structuredContent === undefined) fail(`${what} returned no structured content to check against its output schema`);
      else {
        const checked = fromJsonSchema(o.outputSchema)['~standard'].validate(o.result.structuredContent);
        if (checked instanceof Promise) throw new Error('output schema validation must not be asynchronous');
        if (checked.issues) fail(`${what}'s structured content does not match its output schema: ${checked.issues.map((i) => i.message).join('; ')}`, o.outputSchema, o.result.structuredContent);
      }
    }
  }

  const text = outcomeText(o);
  for (const needle of e.contains === undefined ? [] : [e.contains].flat()) {
    if (!text.includes(needle)) fail(`${what}'s answer does not contain "${needle}"`, needle, text);
  }
  if (e.matches !== undefined && !compileGrep(e.matches)(text)) fail(`${what}'s answer does not match /${e.matches}/`, `/${e.matches}/`, text);
  if (e.equals !== undefined) {
    const actual = typeof e.equals === 'string' ? text : structured(o);
    if (canonicalJson(actual) !== canonicalJson(e.equals)) fail(`${what}'s answer is not the one expected`, e.equals, actual);
  }
  for (const [path, want] of Object.entries(e.jsonPath ?? {})) {
    const got = readJsonPath(outcomeValue(o), path);
    if (canonicalJson(got) !== canonicalJson(want)) fail(`${path} is ${got === undefined ? 'absent' : show(got)}, not ${show(want)}`, want, got);
  }
  if (e.includes) {
    const names = o.kind === 'list' ? o.items.map((i) => (o.what === 'resources' ? i.uri : i.name)) : [];
    const missing = e.includes.filter((n) => !names.includes(n));
    if (o.kind !== 'list') fail('"includes" applies to listTools, listPrompts and listResources steps');
    else if (missing.length) fail(`${what} lacks ${missing.join(', ')}`, e.includes, names);
  }
  if (e.latencyMs && o.latencyMs > e.latencyMs.max) fail(`${what} took ${Math.round(o.latencyMs)} ms, over its budget of ${e.latencyMs.max} ms`, `≤ ${e.latencyMs.max} ms`, `${Math.round(o.latencyMs)} ms`);
  return failures;
}

/** What a non-string `equals` compares with: structured content, else the text read as JSON, else the text. */
function structured(o: Outcome): unknown {
  if (o.kind === 'list') return outcomeValue(o);
  if (o.result?.structuredContent !== undefined) return o.result.structuredContent;
  const text = outcomeText(o);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
