import * as vscode from 'vscode';
import { ClientsImport, ClientsImportPlan } from '../../../daemon/protocol/clients.js';
import type { Ctx } from '../../ctx.js';
import { startServers } from '../server/startServer.js';
import { importRows, importSummary, type ImportRow } from './importRows.js';
import { inert, inertItem } from '../../untrustedText.js';

type Item = vscode.QuickPickItem & { row?: ImportRow };

/**
 * `berth import` from the editor: every MCP server entry in the other clients' configs, with what
 * Berth would make of it. The user ticks the ones to bring in (those Berth would not import are
 * listed with why, and cannot be ticked); only those are added and their client entries pointed
 * at `berth connect`, so nothing the user did not choose is rewritten.
 */
export async function importServers(ctx: Ctx): Promise<void> {
  await ctx.whenConnected();
  const plan = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Reading other clients’ MCP configs' }, () => ctx.request(ClientsImportPlan, {}));
  for (const p of plan.problems) void vscode.window.showWarningMessage(inert(p));
  const { importable, skipped } = importRows(plan.candidates);
  if (!importable.length) {
    void vscode.window.showInformationMessage(
      inert(skipped.length
        ? `None of the ${skipped.length} MCP server entries in your other clients can be imported; run Berth: Import Servers from Other Clients… again after changing them, or add them by hand.`
        : 'No MCP server entries were found in Claude Desktop, Cursor, Windsurf, Cline, Continue, Claude Code or VS Code.'),
    );
    return;
  }
  const chosen = await pick(importable, skipped);
  if (!chosen?.length) return;
  const done = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Importing ${chosen.length} entr${chosen.length === 1 ? 'y' : 'ies'}` }, () =>
    ctx.request(ClientsImport, { entries: chosen.map((r) => ({ file: r.candidate.file, key: r.candidate.key })) }),
  );
  const summary = importSummary(done.results);
  if (summary.failed) {
    void vscode.window.showErrorMessage(inert(summary.text));
    return;
  }
  const start = await vscode.window.showInformationMessage(inert(summary.text), ...(summary.servers.length ? ['Start Them'] : []));
  if (start) await startServers(ctx, summary.servers);
}

async function pick(importable: ImportRow[], skipped: ImportRow[]): Promise<ImportRow[] | undefined> {
  const items: Item[] = [
    ...importable.map((row) => inertItem({ label: row.label, description: row.description, detail: row.detail, row })),
    ...(skipped.length ? [{ label: 'Left as they are', kind: vscode.QuickPickItemKind.Separator }] : []),
    ...skipped.map((row) => { const item = inertItem({ label: row.label, description: row.description, detail: row.detail }); return { ...item, label: `$(circle-slash) ${item.label}` }; }),
  ];
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = 'Import Servers from Other Clients';
  qp.placeholder = 'Tick the entries to run in Berth; their clients will then reach them through `berth connect` (backups kept)';
  qp.canSelectMany = true;
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.items = items;
  qp.selectedItems = items.filter((i) => i.row);
  return new Promise((resolve) => {
    let result: ImportRow[] | undefined;
    qp.onDidChangeSelection((selected) => {
      // An entry Berth would not import has no row: ticking it is undone at once.
      if (selected.some((i) => !i.row)) qp.selectedItems = selected.filter((i) => i.row);
    });
    qp.onDidAccept(() => {
      result = qp.selectedItems.flatMap((i) => (i.row ? [i.row] : []));
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    qp.show();
  });
}
