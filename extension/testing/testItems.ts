import * as vscode from 'vscode';
import { parseMcpTest, type Range } from '../../daemon/protocol/mcptestYaml.js';
import { SNAPSHOT_CASE } from '../../daemon/protocol/testRuns.js';

/** What an item is, beside it: its file, and for a case or step, which. */
export interface ItemData {
  file: vscode.Uri;
  caseId?: string;
  step?: number;
}

const toRange = (r: Range) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

/**
 * Fills a file's item with its cases and their steps, placed where the YAML has them; a file
 * that does not parse shows why on its item. A file with a snapshot gets a `snapshot` case.
 */
export function fillFileItem(controller: vscode.TestController, item: vscode.TestItem, text: string, data: WeakMap<vscode.TestItem, ItemData>): void {
  const parsed = parseMcpTest(text);
  if (!parsed.ok) {
    item.error = parsed.error;
    item.children.replace([]);
    return;
  }
  item.error = undefined;
  const uri = item.uri as vscode.Uri;
  const cases = parsed.cases.map((c) => {
    const caseItem = controller.createTestItem(`${item.id}#${c.id}`, c.id, uri);
    caseItem.range = toRange(c.range);
    data.set(caseItem, { file: uri, caseId: c.id });
    caseItem.children.replace(
      c.steps.map((s, i) => {
        const stepItem = controller.createTestItem(`${caseItem.id}#${i}`, s.label, uri);
        stepItem.range = toRange(s.range);
        data.set(stepItem, { file: uri, caseId: c.id, step: i });
        return stepItem;
      }),
    );
    return caseItem;
  });
  if (parsed.file.snapshot) {
    const snap = controller.createTestItem(`${item.id}#${SNAPSHOT_CASE}`, SNAPSHOT_CASE, uri);
    const line = text.split('\n').findIndex((l) => l.startsWith('snapshot:'));
    if (line >= 0) snap.range = new vscode.Range(line, 0, line, 9);
    snap.description = parsed.file.snapshot.file;
    data.set(snap, { file: uri, caseId: SNAPSHOT_CASE });
    cases.push(snap);
  }
  item.children.replace(cases);
}
