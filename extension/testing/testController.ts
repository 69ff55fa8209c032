import * as vscode from 'vscode';
import { MCPTEST_SUFFIX } from '../../daemon/protocol/mcptest.js';
import { SNAPSHOT_CASE, TestsAcceptSnapshot, TestsRun, type StepResult, type TestEvent } from '../../daemon/protocol/testRuns.js';
import type { Ctx } from '../ctx.js';
import { fillFileItem, type ItemData } from './testItems.js';
import { inert } from '../untrustedText.js';

type Mode = 'run' | 'debug' | 'bench';

/** Marks a failure that a snapshot accept would fix; the "Accept Snapshot" action matches it. */
export const SNAPSHOT_MESSAGE = 'berth.snapshot';

/**
 * VS Code's Test Explorer over the daemon's test runs: files → cases → steps, placed by their
 * YAML lines and refreshed as files change; Run, Debug (the run's JSON-RPC trace in an output
 * channel) and Benchmark profiles; continuous run on save.
 */
export class BerthTests implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController('berth.tests', 'Berth MCP Tests');
  private readonly data = new WeakMap<vscode.TestItem, ItemData>();
  private readonly trace: vscode.OutputChannel = vscode.window.createOutputChannel('Berth Test Trace');
  private readonly disposables: vscode.Disposable[] = [this.controller, this.trace];
  /** Continuous runs asked for, each with what it covers (all files when empty). */
  private readonly continuous = new Set<{ request: vscode.TestRunRequest; mode: Mode; token: vscode.CancellationToken }>();

  constructor(private readonly ctx: Ctx) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discover();
    };
    this.controller.refreshHandler = () => this.discover();
    const profile = (label: string, kind: vscode.TestRunProfileKind, mode: Mode) =>
      this.controller.createRunProfile(label, kind, (request, token) => this.run(request, mode, token), mode !== 'bench', undefined, mode === 'run');
    this.disposables.push(
      profile('Run', vscode.TestRunProfileKind.Run, 'run'),
      profile('Debug (JSON-RPC trace)', vscode.TestRunProfileKind.Debug, 'debug'),
      profile('Benchmark', vscode.TestRunProfileKind.Run, 'bench'),
    );
    const watcher = vscode.workspace.createFileSystemWatcher(`**/*${MCPTEST_SUFFIX}`);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.load(uri)),
      watcher.onDidChange((uri) => void this.load(uri).then((item) => item && this.rerunContinuous(item))),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.path.endsWith(MCPTEST_SUFFIX)) this.fill(e.document.uri, e.document.getText());
      }),
      vscode.commands.registerCommand('berth.tests.acceptSnapshot', (arg?: { test?: vscode.TestItem }) => this.acceptSnapshot(arg?.test)),
    );
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }

  private async discover(): Promise<void> {
    const uris = await vscode.workspace.findFiles(`**/*${MCPTEST_SUFFIX}`, '**/node_modules/**');
    await Promise.all(uris.map((u) => this.load(u)));
  }

  private async load(uri: vscode.Uri): Promise<vscode.TestItem | undefined> {
    const bytes = await vscode.workspace.fs.readFile(uri).then(undefined, () => undefined);
    if (!bytes) return undefined;
    return this.fill(uri, new TextDecoder().decode(bytes));
  }

  private fill(uri: vscode.Uri, text: string): vscode.TestItem {
    let item = this.controller.items.get(uri.toString());
    if (!item) {
      item = this.controller.createTestItem(uri.toString(), vscode.workspace.asRelativePath(uri), uri);
      this.data.set(item, { file: uri });
      this.controller.items.add(item);
    }
    fillFileItem(this.controller, item, text, this.data);
    return item;
  }

  private rerunContinuous(file: vscode.TestItem): void {
    for (const c of this.continuous) {
      if (c.token.isCancellationRequested) {
        this.continuous.delete(c);
        continue;
      }
      const covered = !c.request.include || c.request.include.some((i) => this.data.get(i)?.file.toString() === file.uri?.toString());
      if (covered) void this.run(new vscode.TestRunRequest(c.request.include?.filter((i) => this.data.get(i)?.file.toString() === file.uri?.toString()) ?? [file]), c.mode, c.token);
    }
  }

  private async run(request: vscode.TestRunRequest, mode: Mode, token: vscode.CancellationToken): Promise<void> {
    if (request.continuous) {
      const entry = { request, mode, token };
      this.continuous.add(entry);
      token.onCancellationRequested(() => this.continuous.delete(entry));
      return;
    }
    const run = this.controller.createTestRun(request);
    // Each file runs as its own request, with the cases chosen in it (all when the file itself is).
    const byFile = new Map<string, { uri: vscode.Uri; cases?: Set<string> }>();
    const roots = request.include ?? [...this.iter(this.controller.items)];
    for (const item of roots) {
      const d = this.data.get(item);
      if (!d || request.exclude?.includes(item)) continue;
      const entry = byFile.get(d.file.toString()) ?? { uri: d.file, cases: new Set<string>() };
      if (d.caseId === undefined) entry.cases = undefined;
      else entry.cases?.add(d.caseId);
      byFile.set(d.file.toString(), entry);
    }
    if (mode === 'debug') this.trace.show(true);
    try {
      for (const { uri, cases } of byFile.values()) {
        if (token.isCancellationRequested) break;
        const fileItem = this.controller.items.get(uri.toString());
        if (!fileItem) continue;
        for (const c of this.iter(fileItem.children)) if (!cases || cases.has(this.data.get(c)?.caseId ?? '')) run.enqueued(c);
        const failed = new Set<vscode.TestItem>();
        await this.ctx
          .withTestReports(
            (event) => this.report(run, fileItem, event, failed, mode),
            (progressToken) =>
              this.ctx.request(TestsRun, { files: [uri.fsPath], cases: cases && [...cases], bench: mode === 'bench' ? 'only' : 'skip', trace: mode === 'debug', progressToken }, token),
          )
          .catch((e: Error) => run.errored(fileItem, new vscode.TestMessage(e.message)));
      }
    } finally {
      run.end();
    }
  }

  private *iter(items: vscode.TestItemCollection): Generator<vscode.TestItem> {
    for (const [, item] of items) yield item;
  }

  private report(run: vscode.TestRun, fileItem: vscode.TestItem, event: TestEvent, failed: Set<vscode.TestItem>, mode: Mode): void {
    const caseItem = (id: string) => fileItem.children.get(`${fileItem.id}#${id}`);
    switch (event.kind) {
      case 'started': {
        const item = event.case === undefined ? fileItem : event.step === undefined ? caseItem(event.case) : caseItem(event.case)?.children.get(`${fileItem.id}#${event.case}#${event.step}`);
        if (item) run.started(item);
        return;
      }
      case 'step': {
        const parent = caseItem(event.case);
        const item = parent?.children.get(`${fileItem.id}#${event.case}#${event.step}`) ?? parent;
        if (item) this.settle(run, item, event.result, event.host, failed, event.case === SNAPSHOT_CASE);
        return;
      }
      case 'case': {
        const item = caseItem(event.result.id);
        if (!item) return;
        if (event.result.status === 'failed') {
          failed.add(item);
          const messages = event.result.steps.flatMap((s) => this.messages(item, s, event.host, event.result.id === SNAPSHOT_CASE));
          run.failed(item, messages, event.result.durationMs);
        } else if (event.result.status === 'skipped') run.skipped(item);
        else if (!failed.has(item)) run.passed(item, event.result.durationMs);
        return;
      }
      case 'file':
        if (event.result.error) run.errored(fileItem, new vscode.TestMessage(event.result.error));
        return;
      case 'output':
        if (mode === 'debug') this.trace.appendLine(event.text);
        run.appendOutput(`${event.text.replace(/\r?\n/g, '\r\n')}\r\n`);
        return;
    }
  }

  private settle(run: vscode.TestRun, item: vscode.TestItem, r: StepResult, host: string, failed: Set<vscode.TestItem>, snapshot: boolean): void {
    if (r.bench) run.appendOutput(`${item.label} [${host}]: p50 ${r.bench.p50} ms, p95 ${r.bench.p95} ms, p99 ${r.bench.p99} ms, ${r.bench.callsPerSecond} calls/s${r.bench.previous ? `, p50 ×${r.bench.previous.p50Ratio} of the previous run` : ''}\r\n`, undefined, item);
    for (const w of r.warnings) run.appendOutput(`${item.label} [${host}]: ${w}\r\n`, undefined, item);
    if (r.status === 'failed') {
      failed.add(item);
      run.failed(item, this.messages(item, r, host, snapshot), r.durationMs);
    } else if (r.status === 'skipped') run.skipped(item);
    else if (!failed.has(item)) run.passed(item, r.durationMs);
  }

  private messages(item: vscode.TestItem, r: StepResult, host: string, snapshot: boolean): vscode.TestMessage[] {
    return r.failures.map((f) => {
      const text = host === 'local' ? f.message : `[${host}] ${f.message}`;
      const m = f.expected !== undefined && f.actual !== undefined ? vscode.TestMessage.diff(text, f.expected, f.actual) : new vscode.TestMessage(text);
      if (item.uri && item.range) m.location = new vscode.Location(item.uri, item.range);
      if (snapshot) m.contextValue = SNAPSHOT_MESSAGE;
      return m;
    });
  }

  private async acceptSnapshot(item: vscode.TestItem | undefined): Promise<void> {
    const file = item && this.data.get(item)?.file;
    if (!file) return;
    const r = await this.ctx.request(TestsAcceptSnapshot, { file: file.fsPath }).catch((e: Error) => {
      void vscode.window.showErrorMessage(inert(`Could not accept the snapshot: ${e.message}`));
      return undefined;
    });
    if (r) void vscode.window.showInformationMessage(inert(`Berth: wrote ${vscode.workspace.asRelativePath(r.snapshot)}.`));
  }
}
