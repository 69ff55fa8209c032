import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { McpTestFile, STEP_ACTIONS, type Case, type Step } from './mcptest.js';

/** Zero-based, as editors count. */
export interface Position {
  line: number;
  character: number;
}
export interface Range {
  start: Position;
  end: Position;
}

/** Where each case and step of a file sits, so an editor can place them. */
export interface CaseLayout {
  id: string;
  range: Range;
  steps: { label: string; range: Range }[];
}

export type ParsedMcpTest = { ok: true; file: McpTestFile; cases: CaseLayout[] } | { ok: false; error: string; line?: number };

/** A case's steps: its `steps`, or the one step written inline beside its id. */
export function caseSteps(c: Case): Step[] {
  if (c.steps) return c.steps;
  const { name, call, args, listTools, listPrompts, listResources, expect, capture, bench } = c;
  return [{ name, call, args, listTools, listPrompts, listResources, expect, capture, bench }];
}

/** What a report calls a step: its name, or what it does. */
export function stepLabel(step: Step): string {
  if (step.name) return step.name;
  if (step.call !== undefined) return `${step.bench ? 'bench' : 'call'} ${step.call}`;
  return STEP_ACTIONS.find((a) => step[a] !== undefined) ?? 'step';
}

/**
 * Parses a scenario file and validates it; a problem is one sentence naming its line and path.
 * Pure (no file system), so the extension uses it too for its test items' ranges.
 */
export function parseMcpTest(text: string): ParsedMcpTest {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const line = lines.linePos(yamlError.pos[0]).line;
    return { ok: false, error: `line ${line}: ${yamlError.message.split('\n')[0] ?? 'not valid YAML'}`, line: line - 1 };
  }
  const parsed = McpTestFile.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path ?? [];
    const node = doc.getIn(at, true) as Node | undefined;
    const line = node?.range ? lines.linePos(node.range[0]).line : undefined;
    const where = at.length ? `${at.join('.')}: ` : '';
    return { ok: false, error: `${line === undefined ? '' : `line ${line}: `}${where}${issue?.message ?? 'not a scenario file'}`, line: line === undefined ? undefined : line - 1 };
  }
  const toRange = (node: Node | null | undefined): Range => {
    const [from, , to] = node?.range ?? [0, 0, 0];
    const a = lines.linePos(from);
    const b = lines.linePos(Math.max(from, to));
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  const caseNodes = doc.get('cases', true);
  const cases = parsed.data.cases.map((c, i): CaseLayout => {
    const node = isSeq(caseNodes) ? (caseNodes.items[i] as Node | undefined) : undefined;
    const stepNodes = isMap(node) ? node.get('steps', true) : undefined;
    const steps = caseSteps(c).map((s, j) => ({ label: stepLabel(s), range: toRange(c.steps && isSeq(stepNodes) ? (stepNodes.items[j] as Node) : node) }));
    return { id: c.id, range: toRange(node), steps };
  });
  const ids = new Set<string>();
  for (const [i, c] of cases.entries()) {
    if (ids.has(c.id)) return { ok: false, error: `line ${c.range.start.line + 1}: cases.${i}.id: "${c.id}" is used by an earlier case; case ids must be unique`, line: c.range.start.line };
    ids.add(c.id);
  }
  return { ok: true, file: parsed.data, cases };
}
