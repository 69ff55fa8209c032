// End to end in a real VS Code: the packaged .vsix installed into code-server, driven in
// Chromium, against a real daemon (its own BERTH_HOME) and real containers.
// Run: bash scripts/provision-e2e.sh && npm run test:e2e   (builds berth.vsix, then this file)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CODE_SERVER_BIN,
  REPO_ROOT,
  e2eToolsMissing,
  installVsix,
  makeTempDir,
  openWorkbench,
  startCodeServer,
  type CodeServer,
  type Workbench,
} from './harness';
import { berthPaths } from '../../daemon/protocol/paths';
import { runningDaemonPid } from '../daemonPid';
import setupImages from '../globalSetup';
import { FIXTURE_IMAGE, waitFor } from '../support';

const VSIX = path.join(REPO_ROOT, 'berth.vsix');
const BERTH = path.join(REPO_ROOT, 'dist', 'berth.js');
const SERVER = 'ev';
/** A fixture server that eats memory towards its limit, with a memory alert set low enough to fire. */
const BURN = 'burn';
/** A server from the workspace's own `.berth/servers.yaml`, which runs only once approved. */
const WS_SERVER = 'wsapp';

/** What the .vsix may contain (.vscodeignore is a whitelist; this checks it stays one). */
const ALLOWED = [
  /^\[Content_Types\]\.xml$/,
  /^extension\.vsixmanifest$/,
  /^extension\/package\.json$/,
  /^extension\/dist\/(extension|berth|berth-cli|berthd)\.js$/,
  /^extension\/dist\/schemas\/(servers|mcptest)\.schema\.json$/,
  /^extension\/dist\/media\/((serverDetails|dashboard|logViewer|serverForm|catalogDetails)\.(js|css)|codicon\.(css|ttf))$/,
  /^extension\/extension\/media\/[\w/.-]+\.(svg|md|png)$/,
  /^extension\/snippets\/[\w-]+\.code-snippets$/,
  /^extension\/(readme|README)\.md$/,
  /^extension\/(LICENSE|LICENSE\.txt)$/,
];
const REQUIRED = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/berth.js',
  'extension/dist/berth-cli.js',
  'extension/dist/berthd.js',
  'extension/dist/schemas/servers.schema.json',
  'extension/dist/schemas/mcptest.schema.json',
  'extension/dist/media/serverDetails.js',
  'extension/dist/media/serverDetails.css',
  'extension/dist/media/dashboard.js',
  'extension/dist/media/dashboard.css',
  'extension/dist/media/logViewer.js',
  'extension/dist/media/logViewer.css',
  'extension/dist/media/serverForm.js',
  'extension/dist/media/serverForm.css',
  'extension/dist/media/catalogDetails.js',
  'extension/dist/media/catalogDetails.css',
  'extension/dist/media/codicon.css',
  'extension/dist/media/codicon.ttf',
];

const steps: { name: string; ok: boolean; error?: string }[] = [];
const skipped: string[] = [];
/**
 * How many steps this file declares: every `await step(` in its source. A step that never ran
 * (setup failed before it, or it vanished from the path) fails the run, so no count can shrink unseen.
 */
const DECLARED = (fs.readFileSync(__filename, 'utf8').match(/^\s*await step\(/gm) ?? []).length;

/** BERTH_E2E_ONLY (a regular expression) runs only the steps it matches, after the shared setup. */
const ONLY = process.env.BERTH_E2E_ONLY ? new RegExp(process.env.BERTH_E2E_ONLY) : undefined;

async function step(wb: Workbench | undefined, name: string, run: () => Promise<void>): Promise<void> {
  if (ONLY && !ONLY.test(name)) {
    skipped.push(name);
    console.log(`skip  ${name}`);
    return;
  }
  try {
    await run();
    steps.push({ name, ok: true });
    console.log(`ok    ${name}`);
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    steps.push({ name, ok: false, error });
    console.log(`FAIL  ${name}: ${error}`);
    await wb?.screenshot(`failed-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
    await wb?.dismissNoise().catch(() => undefined);
  }
}

function berth(env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = spawnSync(process.execPath, [BERTH, ...args], { env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Stops the daemon without starting one (`berth daemon stop` never does); back once it has exited. */
function stopDaemon(env: NodeJS.ProcessEnv): void {
  berth(env, 'daemon', 'stop');
}

/** The daemon's command line, to tell which Berth started it. */
function commandLine(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
}

/** A process's environment, as it started. */
function environment(pid: number): Record<string, string> {
  const pairs = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}

/** Entry names from a zip's central directory; enough to check a .vsix without unzip. */
function zipEntries(file: string): string[] {
  const buf = fs.readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error(`${file} is not a zip`);
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    names.push(buf.toString('utf8', at + 46, at + 46 + nameLen));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

/**
 * Picks the row of the open quick input whose label is exactly `label`. Labels are read in one
 * evaluation (allInnerTexts): the list re-renders while it fills, and per-row reads then stall.
 */
async function pickQuickItem(wb: Workbench, label: string, timeout = 15_000): Promise<void> {
  const labels = wb.page.locator('.quick-input-widget .monaco-list-row .label-name');
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = (await labels.allInnerTexts().catch(() => [])).map((t) => t.trim());
    const k = texts.indexOf(label);
    // The list may re-render between the read and the click; then read it again.
    if (k >= 0 && (await labels.nth(k).click({ timeout: 2000 }).then(() => true, () => false))) return;
    if (Date.now() > deadline) throw new Error(`quick pick item "${label}" not shown; saw ${JSON.stringify(texts)}`);
    await wb.page.waitForTimeout(200);
  }
}

/** Text of the first `selector` inside `within`, or '' when there is none (without waiting). */
async function textOf(within: ReturnType<Workbench['page']['locator']>, selector: string): Promise<string> {
  const el = within.locator(selector);
  if ((await el.count()) === 0) return '';
  return (await el.first().innerText().catch(() => '')).trim();
}

interface Row {
  label: string;
  description: string;
}

/** The side bar's tree rows as label and description (a row's innerText runs them together). */
async function treeRows(wb: Workbench): Promise<Row[]> {
  const rows = wb.page.locator('.part.sidebar .monaco-list-row');
  const out: Row[] = [];
  const n = await rows.count();
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i);
    const label = await textOf(row, '.label-name');
    const description = await textOf(row, '.label-description');
    if (label) out.push({ label, description });
  }
  return out;
}

/** Waits until some row of the side bar satisfies `test`. */
async function waitForRow(wb: Workbench, what: string, test: (row: Row) => boolean, timeout = 60_000): Promise<Row> {
  const deadline = Date.now() + timeout;
  let rows: Row[] = [];
  while (Date.now() < deadline) {
    rows = await treeRows(wb);
    const hit = rows.find(test);
    if (hit) return hit;
    await wb.page.waitForTimeout(300);
  }
  throw new Error(`no tree row ${what}; rows: ${JSON.stringify(rows)}`);
}

/** Collapses the side-bar row labelled `label` if it is expanded. */
async function collapseRow(wb: Workbench, label: string): Promise<void> {
  const expanded = wb.page.locator('.part.sidebar .monaco-list-row[aria-expanded="true"]');
  const n = await expanded.count();
  for (let i = 0; i < n; i++) {
    const row = expanded.nth(i);
    if ((await textOf(row, '.label-name')) === label) return void (await row.click());
  }
}

/** Clicks the first side-bar row that satisfies `test` (expands it if it has children). */
async function clickRow(wb: Workbench, test: (row: Row) => boolean): Promise<void> {
  const rows = wb.page.locator('.part.sidebar .monaco-list-row');
  const n = await rows.count();
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i);
    const label = await textOf(row, '.label-name');
    const description = await textOf(row, '.label-description');
    if (test({ label, description })) {
      await row.click();
      return;
    }
  }
  throw new Error(`no side-bar row to click; rows: ${JSON.stringify(await treeRows(wb))}`);
}

type Locator = ReturnType<Workbench['page']['locator']>;
/** The few calls on a webview's frame used here; playwright-core is not typed in this project. */
interface FrameLocator {
  locator(selector: string): Locator & { evaluate<R>(fn: () => R): Promise<R> };
  frameLocator(selector: string): FrameLocator;
}

/**
 * The content of the open webview: VS Code puts each webview in an iframe (`.webview.ready` once
 * its host page has loaded) whose page holds the extension's HTML in a nested `#active-frame`.
 */
function webviewContent(wb: Workbench): FrameLocator {
  const page = wb.page as Workbench['page'] & { frameLocator(selector: string): FrameLocator };
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

/** Waits until the text of `selector` inside the webview satisfies `test`. */
async function waitForPanelText(frame: FrameLocator, selector: string, what: string, test: (text: string) => boolean, timeout = 30_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let text = '';
  for (;;) {
    const el = frame.locator(selector);
    text = (await el.count().catch(() => 0)) > 0 ? (await el.first().innerText().catch(() => '')).trim() : '';
    if (test(text)) return text;
    if (Date.now() > deadline) throw new Error(`the panel's ${selector} did not show ${what}; it says ${JSON.stringify(text.slice(0, 500))}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Picks a color theme by its label; returns the label of the one that was active. */
async function setColorTheme(wb: Workbench, label: string): Promise<string> {
  await wb.runCommand('Preferences: Color Theme');
  const current = wb.page.locator('.quick-input-widget .monaco-list-row.focused .label-name').first();
  await current.waitFor({ state: 'visible', timeout: 10_000 });
  const before = (await current.innerText()).trim();
  await pickQuickItem(wb, label);
  await quickInputClosed(wb);
  return before;
}

const cspViolations = (errors: readonly string[]) => errors.filter((e) => /Content Security Policy|Refused to (load|execute|apply|evaluate|connect|create)/i.test(e));

const serverRow = (phase: string) => (row: Row) => row.label === SERVER && row.description.startsWith(phase);

async function main(): Promise<void> {
  const missing = e2eToolsMissing();
  if (missing) throw new Error(missing);
  if (!fs.existsSync(VSIX)) throw new Error(`${VSIX} is missing; run \`npm run package\` first (npm run test:e2e does)`);

  const root = makeTempDir('berth-e2e-');
  const artifacts = process.env.BERTH_E2E_ARTIFACTS ?? path.join(path.dirname(root), `berth-e2e-${Date.now()}`);
  const screenshots = path.join(artifacts, 'screenshots');
  fs.mkdirSync(screenshots, { recursive: true });
  // A short BERTH_HOME: the daemon's Unix socket lives under it, and socket paths are capped at ~100 bytes.
  const berthHome = fs.mkdtempSync('/tmp/berth-e2e-home-');
  const env = { ...process.env, BERTH_HOME: berthHome };

  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    await step(undefined, 'vsix contains only what is needed', async () => {
      const entries = zipEntries(VSIX);
      const extra = entries.filter((e) => !ALLOWED.some((re) => re.test(e)));
      const absent = REQUIRED.filter((r) => !entries.includes(r));
      console.log(`      ${VSIX}: ${entries.length} files\n${entries.map((e) => `        ${e}`).join('\n')}`);
      if (extra.length || absent.length) throw new Error(`unexpected: ${JSON.stringify(extra)}; missing: ${JSON.stringify(absent)}`);
    });

    // A server that exists before the window opens; then the daemon is stopped so the extension
    // has to start its own (from the installed .vsix) and re-adopt the running container.
    // The fixture image (test/fixtures/servers) for the alert step, built as the integration suites build it.
    await setupImages();
    berth(env, 'add', SERVER, '--catalog', 'everything', '--start');
    const paths = berthPaths(env);
    const cliDaemon = await runningDaemonPid(paths);
    if (cliDaemon === undefined) throw new Error(`berth add --start left no daemon answering on ${paths.socket}`);
    stopDaemon(env);
    const left = await runningDaemonPid(paths);
    if (left !== undefined) throw new Error(`a daemon (pid ${left}) still answers after \`berth daemon stop\`; the extension would only join it`);

    // A scenario file in the workspace, for the Test Explorer to find: one case passes, one fails.
    const testsDir = path.join(root, 'workspace', '.berth', 'tests');
    fs.mkdirSync(testsDir, { recursive: true });
    fs.writeFileSync(
      path.join(testsDir, `${SERVER}.mcptest.yaml`),
      `server: ${SERVER}\ncases:\n  - id: echo-passes\n    call: echo\n    args: { message: hi }\n    expect: { equals: "Echo: hi" }\n  - id: echo-fails\n    call: echo\n    args: { message: hi }\n    expect: { equals: "Echo: goodbye" }\n`,
    );

    const extensionsDir = path.join(root, 'extensions');
    await installVsix(CODE_SERVER_BIN, VSIX, extensionsDir);
    const userDataDir = path.join(root, 'user-data');
    server = await startCodeServer({
      extensionsDir,
      userDataDir,
      workspaceDir: path.join(root, 'workspace'),
      logFile: path.join(artifacts, 'code-server.log'),
      env: { BERTH_HOME: berthHome },
    });
    wb = await openWorkbench(server.url, screenshots, server.workspaceDir);
    await wb.dismissNoise();
    const w = wb;

    await step(w, 'Berth view shows the running server with its tools', async () => {
      await w.openViewContainer('Berth');
      await waitForRow(w, `"${SERVER}" healthy`, serverRow('healthy'));
      // Nothing answered before the window opened, and nothing here asks the CLI (which would
      // start a daemon itself): whatever answers now was started by the extension, from its .vsix.
      const own = await runningDaemonPid(paths);
      if (own === undefined || own === cliDaemon) throw new Error(`the extension did not start its own daemon (pid ${own}, CLI's was ${cliDaemon})`);
      const cmd = commandLine(own);
      if (!cmd.includes(path.join(extensionsDir, 'berth.berth-')) || !cmd.endsWith('dist/berth.js daemon')) throw new Error(`daemon ${own} is not the extension's: ${cmd}`);
      // Through code-server and the extension host, the daemon must reach the run's own engine.
      const dockerHost = environment(own).DOCKER_HOST;
      if (dockerHost !== process.env.DOCKER_HOST) throw new Error(`the extension's daemon talks to DOCKER_HOST=${dockerHost}, not the run's engine ${process.env.DOCKER_HOST}`);
      console.log(`      the extension's daemon: pid ${own}, ${cmd}, DOCKER_HOST=${dockerHost}`);
      await clickRow(w, (r) => r.label === SERVER);
      await waitForRow(w, '"Tools (N)"', (r) => /^Tools \(\d+\)$/.test(r.label));
      await clickRow(w, (r) => /^Tools \(\d+\)$/.test(r.label));
      await waitForRow(w, '"echo"', (r) => r.label === 'echo');
      await w.screenshot('servers-view-with-tools');
    });

    await step(w, 'stop and start from the palette change the tree', async () => {
      await w.runCommand('Berth: Stop Server');
      await pickQuickItem(w, SERVER);
      await waitForRow(w, `"${SERVER}" stopped`, serverRow('stopped'));
      await w.screenshot('stopped-from-palette');
      await w.runCommand('Berth: Start Server');
      await pickQuickItem(w, SERVER);
      await waitForRow(w, `"${SERVER}" healthy again`, serverRow('healthy'));
      await w.screenshot('started-from-palette');
    });

    await step(w, 'Server Details panel shows the server live, its buttons work, under a strict CSP', async () => {
      const errorsBefore = w.consoleErrors.length;
      const tools = (JSON.parse(berth(env, 'tools', SERVER, '--json')) as { tools: { name: string }[] }).tools.map((t) => t.name);
      if (tools.length < 3) throw new Error(`expected the ${SERVER} server to offer tools, got ${JSON.stringify(tools)}`);
      await w.runCommand('Berth: Show Server Details');
      await pickQuickItem(w, SERVER);
      const panel = webviewContent(w);
      await waitForPanelText(panel, '#name', `"${SERVER}"`, (t) => t === SERVER);
      await waitForPanelText(panel, '#phase', '"healthy"', (t) => t === 'healthy');
      const shown = tools.slice(0, 3);
      await waitForPanelText(panel, '#section-tools', `the tools ${shown.join(', ')}`, (t) => shown.every((name) => t.includes(name)));
      await waitForPanelText(panel, '#section-container', 'the container id', (t) => /Container\s+[0-9a-f]{12}/.test(t));
      const page = await panel.locator('body').evaluate(() => ({
        csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
        toolkit: customElements.get('vscode-button') !== undefined && document.querySelector('vscode-button')?.shadowRoot != null,
      }));
      if (!/^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'; style-src /.test(page.csp) || /unsafe/.test(page.csp)) throw new Error(`unexpected CSP: ${page.csp}`);
      if (!page.toolkit) throw new Error('the @vscode-elements components did not load in the panel');
      await w.screenshot('server-details-panel');
      // The panel takes its colors from the theme; look at it in a dark one too.
      const theme = await setColorTheme(w, 'Dark 2026');
      await w.screenshot('server-details-panel-dark');
      await setColorTheme(w, theme);

      // Running it again reveals the open panel instead of making a second one.
      await w.runCommand('Berth: Show Server Details');
      await pickQuickItem(w, SERVER);
      await quickInputClosed(w);
      await w.page.locator(`.tabs-container .tab.active:has-text("Berth: ${SERVER}")`).first().waitFor({ state: 'visible', timeout: 15_000 });
      const tabs = await w.page.locator(`.tabs-container .tab:has-text("Berth: ${SERVER}")`).count();
      if (tabs !== 1) throw new Error(`expected one "Berth: ${SERVER}" tab, found ${tabs}`);

      await panel.locator('#action-stop').click();
      await waitForPanelText(panel, '#phase', '"stopped"', (t) => t === 'stopped', 60_000);
      await waitForRow(w, `"${SERVER}" stopped`, serverRow('stopped'));
      await w.screenshot('server-details-stopped');
      await panel.locator('#action-start').click();
      await waitForPanelText(panel, '#phase', '"healthy" again', (t) => t === 'healthy', 120_000);

      const violations = cspViolations(w.consoleErrors.slice(errorsBefore));
      if (violations.length) throw new Error(`CSP violations in the console: ${JSON.stringify(violations)}`);
      // The check above means something only if the panel's violations reach this console: an
      // inline script (which the policy forbids) must be refused, and be reported.
      const ran = await panel.locator('body').evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'document.body.dataset.inline = "ran"';
        document.body.append(s);
        return document.body.dataset.inline === 'ran';
      });
      const reported = await waitFor('the refused inline script in the console', async () => cspViolations(w.consoleErrors.slice(errorsBefore)).length, 10_000).catch(() => 0);
      if (ran || reported === 0) throw new Error(`an inline script was ${ran ? 'run' : 'refused'} and ${reported} violations were reported`);
      console.log(`      tools checked: ${shown.join(', ')}; CSP violations before the probe: 0, after it: ${reported}`);
      await w.runCommand('View: Close All Editors');
    });

    // Before Call Tool, which leaves an unsaved result document: these steps close all editors.
    await step(w, 'the dashboard shows every server with graphs of real samples, under a strict CSP', async () => {
      const errorsBefore = w.consoleErrors.length;
      await w.openViewContainer('Berth');
      await waitForRow(w, `"${SERVER}" healthy`, serverRow('healthy'));
      await w.runCommand('Berth: Open Dashboard');
      const panel = webviewContent(w);
      const card = `article.card[data-server="${SERVER}"]`;
      await waitForPanelText(panel, `${card} .phase`, '"healthy"', (t) => t === 'healthy');
      // The daemon samples every 5 s and the panel polls as often: two points make a line.
      const samples = await waitFor(
        'two CPU and memory samples drawn',
        async () => {
          // Each card's drawn samples (the charts' data-samples) and canvases, by server. No named
          // helper inside: tsx would wrap it in a `__name` call the page does not have.
          const cards = await panel.locator('body').evaluate(() =>
            [...document.querySelectorAll<HTMLElement>('article.card')].map((c) => ({
              server: c.dataset['server'] ?? '',
              cpu: Number(c.querySelector<HTMLElement>('.chart-cpu')?.dataset['samples'] ?? 0),
              memory: Number(c.querySelector<HTMLElement>('.chart-memory')?.dataset['samples'] ?? 0),
              canvases: c.querySelectorAll('.chart canvas').length,
            })),
          );
          const n = cards.find((c) => c.server === SERVER);
          return n && n.cpu >= 2 && n.memory >= 2 && n.canvases === 2 ? n : undefined;
        },
        60_000,
      );
      const figures = await waitForPanelText(panel, `${card} .figures`, 'memory in use', (t) => /Memory\s+[\d.]+ \w?i?B of/.test(t));
      if (!/Tool calls \/ min\s+\d+/.test(figures) || !/p95 latency/.test(figures)) throw new Error(`the card's figures lack calls or latency: ${figures}`);
      const csp = await panel.locator('body').evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '');
      if (!/^default-src 'none'; script-src 'nonce-[A-Za-z0-9+/=]+'; style-src /.test(csp) || /unsafe/.test(csp)) throw new Error(`unexpected CSP: ${csp}`);
      await w.screenshot('dashboard');
      const violations = cspViolations(w.consoleErrors.slice(errorsBefore));
      if (violations.length) throw new Error(`CSP violations in the console: ${JSON.stringify(violations)}`);
      console.log(`      ${SERVER}: ${samples.cpu} CPU and ${samples.memory} memory samples drawn; ${figures.replace(/\s+/g, ' ')}`);
      await w.runCommand('View: Close All Editors');
    });

    await step(w, 'the log viewer follows the server, filters by stream and text, and highlights a search', async () => {
      await w.runCommand('Berth: Open Log Viewer');
      await pickQuickItem(w, SERVER);
      const panel = webviewContent(w);
      await waitForPanelText(panel, '#line-count', 'some lines', (t) => /^[\d,]+ lines$/.test(t) && t !== '0 lines');
      const filter = panel.locator('#filter');
      await filter.click();
      await w.page.keyboard.type('Starting default');
      const rowsText = async () => (await panel.locator('#rows .row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      const before = await waitFor('only the matching lines', async () => {
        const rows = await rowsText();
        return rows.length > 0 && rows.every((r) => r.includes('Starting default')) ? rows : undefined;
      });
      await w.screenshot('log-viewer-filtered');
      // Followed live: a restart writes the line again, and the filtered list grows by it.
      berth(env, 'restart', SERVER);
      await waitFor('the restart\'s line in the followed log', async () => ((await rowsText()).length > before.length ? true : undefined), 60_000);
      // Off goes stderr, and with it every line the filter matched.
      await panel.locator('vscode-checkbox[data-stream="stderr"]').click();
      await waitForPanelText(panel, '#line-count', 'no line shown', (t) => /^0 of [\d,]+ lines$/.test(t));
      await panel.locator('vscode-checkbox[data-stream="stderr"]').click();
      await panel.locator('#search').click();
      await w.page.keyboard.type('default');
      await waitForPanelText(panel, '#match-count', 'the matches counted', (t) => /^1 of \d+$/.test(t));
      const marks = await panel.locator('#rows mark').allInnerTexts();
      if (marks.length === 0 || marks.some((m) => m.toLowerCase() !== 'default')) throw new Error(`expected "default" highlighted, got ${JSON.stringify(marks)}`);
      await w.screenshot('log-viewer-search');
      console.log(`      ${before.length} lines matched the filter, then ${(await rowsText()).length} after a restart; ${marks.length} highlights`);
      await w.runCommand('View: Close All Editors');
    });

    await step(w, 'a memory alert notifies with Show Logs, Restart and Open Dashboard, which shows it', async () => {
      const specs = fs.readFileSync(paths.userSpecFile, 'utf8');
      fs.writeFileSync(paths.userSpecFile, `${specs.trimEnd()}\n  ${BURN}:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/burn.js]\n    limits: { memory: 128m }\n    alerts: { memory: { percent: 75, forSeconds: 5 } }\n`);
      await w.openViewContainer('Berth');
      await waitForRow(w, `"${BURN}" in the tree`, (r) => r.label === BURN);
      berth(env, 'start', BURN);
      berth(env, 'call', BURN, 'eat');
      const toast = w.page.locator(`.notifications-toasts .notification-toast:has-text("Berth: ${BURN}: memory at")`).first();
      await toast.waitFor({ state: 'visible', timeout: 120_000 });
      const buttons = (await toast.locator('.monaco-button').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
      for (const b of ['Show Logs', 'Restart', 'Open Dashboard']) if (!buttons.includes(b)) throw new Error(`the alert's notification lacks "${b}": ${JSON.stringify(buttons)}`);
      await w.screenshot('alert-notification');
      await toast.locator('.monaco-button:has-text("Open Dashboard")').click();
      const panel = webviewContent(w);
      await waitForPanelText(panel, '#alerts', `the open alert of ${BURN}`, (t) => t.includes(BURN) && t.includes('memory'));
      await waitForPanelText(panel, `article.card.alerting[data-server="${BURN}"] .card-alerts`, "the alert on the server's card", (t) => /memory: memory at/.test(t));
      await w.screenshot('dashboard-alert');
      await w.runCommand('View: Close All Editors');
      // The steps after this one know one server.
      berth(env, 'rm', BURN);
    });

    await step(w, 'the server form checks as you type and adds a server to the spec file, keeping its comments', async () => {
      const name = 'formed';
      fs.writeFileSync(paths.userSpecFile, `# Kept by the form.\n${fs.readFileSync(paths.userSpecFile, 'utf8')}`);
      await w.openViewContainer('Berth');
      await waitForRow(w, `"${SERVER}"`, (r) => r.label === SERVER);
      await w.runCommand('Berth: New Server…');
      const panel = webviewContent(w);
      await waitForPanelText(panel, 'h1', '"New server"', (t) => t === 'New server');
      await panel.locator('#field-name').click();
      await w.page.keyboard.type(`${SERVER}`);
      await waitForPanelText(panel, '[data-error-for="name"]', 'the name taken', (t) => t.includes('already exists'));
      for (let i = 0; i < SERVER.length; i++) await w.page.keyboard.press('Backspace');
      await w.page.keyboard.type(name);
      await panel.locator('#field-image').click();
      await w.page.keyboard.type('Not An Image');
      await waitForPanelText(panel, '[data-error-for="image"]', 'the image refused', (t) => t.length > 0);
      await w.screenshot('server-form-invalid');
      for (let i = 0; i < 'Not An Image'.length; i++) await w.page.keyboard.press('Backspace');
      await w.page.keyboard.type(FIXTURE_IMAGE);
      await panel.locator('#field-limits-memory').click();
      await w.page.keyboard.type('128m');
      await waitFor('Save to be enabled', async () => ((await panel.locator('#save[disabled]').count()) === 0 ? true : undefined), 15_000);
      await w.screenshot('server-form-valid');
      await panel.locator('#save').click();
      // Its row may sit below the fold of a tree the earlier steps expanded: the notification and the daemon say it was added.
      await w.waitForText(`Berth: saved "${name}" to`, 30_000);
      const listed = (JSON.parse(berth(env, 'status', '--json')) as { servers: { name: string }[] }).servers.map((s) => s.name);
      if (!listed.includes(name)) throw new Error(`the daemon does not list "${name}": ${JSON.stringify(listed)}`);
      const text = fs.readFileSync(paths.userSpecFile, 'utf8');
      if (!text.startsWith('# Kept by the form.\n') || !new RegExp(`\n  ${name}:\n    image: ${FIXTURE_IMAGE.replace(/[.:/]/g, '\\$&')}\n    limits:\n      memory: 128m\n`).test(text)) throw new Error(`unexpected spec file:\n${text}`);
      berth(env, 'rm', name);
      await w.runCommand('View: Close All Editors');
    });

    await step(w, 'Call Tool validates the arguments and shows the result', async () => {
      await w.runCommand('Berth: Call Tool…');
      await pickQuickItem(w, SERVER);
      await pickQuickItem(w, 'echo');
      // The arguments box replaces the tool list in the same widget; keys typed before its title
      // shows would go to the list.
      await w.page.locator(`.quick-input-widget .quick-input-title:has-text("Call ${SERVER} › echo")`).waitFor({ state: 'visible', timeout: 10_000 });
      await w.page.keyboard.press('Control+A');
      await w.page.keyboard.type('{"message": 42}');
      await w.waitForText('arguments/message must be string');
      await w.screenshot('call-tool-invalid-arguments');
      await w.page.keyboard.press('Control+A');
      await w.page.keyboard.type('{"message": "hello from e2e"}');
      await w.page.keyboard.press('Enter');
      await w.waitForText('Echo: hello from e2e', 30_000);
      await w.screenshot('call-tool-result');
    });

    await step(w, "the server's log channel shows its stderr", async () => {
      await w.runCommand('Berth: Show Server Logs');
      await pickQuickItem(w, SERVER);
      await w.page.locator('.part.panel').waitFor({ state: 'visible', timeout: 15_000 });
      await w.waitForText('Starting default (STDIO) server', 30_000);
      await w.screenshot('server-log-channel');
    });

    await step(w, 'Restart Daemon reconnects to a new daemon', async () => {
      const before = await runningDaemonPid(paths);
      await w.runCommand('Berth: Restart Daemon');
      // The toast, not the screen-reader alert that repeats its text and stays in the page.
      const toast = w.page.locator('.notifications-toasts .notification-toast:has-text("Restarting the Berth daemon")').first();
      await toast.waitFor({ state: 'visible', timeout: 10_000 });
      await w.screenshot('daemon-restarting');
      await toast.waitFor({ state: 'hidden', timeout: 30_000 });
      const after = await waitFor(`a daemon other than ${before} to answer`, async () => {
        const pid = await runningDaemonPid(paths);
        return pid !== undefined && pid !== before ? pid : undefined;
      });
      console.log(`      daemon ${before} replaced by ${after}`);
      await waitForRow(w, `"${SERVER}" healthy after the daemon restart`, serverRow('healthy'));
      await w.screenshot('daemon-restarted');
    });

    await step(w, "the Test Explorer shows a workspace file's cases, runs them, and shows a failure's diff", async () => {
      await w.openViewContainer('Testing');
      const rows = w.page.locator('.part.sidebar .monaco-list-row');
      const row = (label: string) => rows.filter({ hasText: label }).first();
      await row(`${SERVER}.mcptest.yaml`).waitFor({ state: 'visible', timeout: 60_000 });
      if (!(await row('echo-passes').isVisible())) await row(`${SERVER}.mcptest.yaml`).click();
      await row('echo-fails').waitFor({ state: 'visible', timeout: 15_000 });
      await w.screenshot('test-explorer-cases');
      await w.runCommand('Test: Run All Tests');
      await row('echo-fails').locator('.codicon-testing-failed-icon').waitFor({ state: 'visible', timeout: 120_000 });
      await row('echo-passes').locator('.codicon-testing-passed-icon').waitFor({ state: 'visible', timeout: 15_000 });
      await w.screenshot('test-explorer-after-run');
      // The run opens the Test Results panel; selecting the failure there shows its expected/actual diff beside.
      await w.page.locator('.monaco-list-row').filter({ hasText: "tool echo's answer is not the one expected" }).last().click();
      const diff = w.page.locator('.part.panel .monaco-diff-editor');
      await diff.first().waitFor({ state: 'visible', timeout: 30_000 });
      await waitFor('the diff to show expected and actual', async () => {
        // Monaco renders spaces as no-break spaces.
        const text = (await diff.allInnerTexts()).join('\n').replace(/\u00a0/g, ' ');
        return text.includes('Echo: goodbye') && text.includes('Echo: hi');
      }, 30_000);
      await w.screenshot('test-failure-diff');
      await w.page.keyboard.press('Escape');
    });

    await step(w, 'MCP: List Servers shows the Berth servers', async () => {
      await w.dismissNoise();
      await w.runCommand('MCP: List Servers');
      await pickQuickItemWait(w, SERVER);
      await w.screenshot('mcp-list-servers');
    });

    await step(w, "starting it from VS Code's MCP UI discovers its tools", async () => {
      await pickQuickItem(w, SERVER);
      await pickQuickItem(w, 'Start Server');
      await quickInputClosed(w);
      await w.runCommand('MCP: List Servers');
      await pickQuickItem(w, SERVER);
      await pickQuickItem(w, 'Show Output');
      await w.waitForText('Discovered', 60_000);
      await w.screenshot('mcp-server-started-tools');
    });

    await step(w, 'the "Berth" MCP server (its own tools) appears once berth.mcp.enabled is set', async () => {
      await w.page.keyboard.press('Escape');
      await w.runCommand('MCP: List Servers');
      await pickQuickItemWait(w, SERVER);
      const before = (await w.page.locator('.quick-input-widget .monaco-list-row .label-name').allInnerTexts()).map((t) => t.trim());
      if (before.includes('Berth')) throw new Error(`"Berth" is listed before berth.mcp.enabled is set: ${JSON.stringify(before)}`);
      await w.page.keyboard.press('Escape');
      // As the user would. The setting is machine-scoped (no workspace can set it), and code-server
      // is a remote window, so it is read from the remote ("Machine") settings, which VS Code watches.
      const settingsFile = path.join(userDataDir, 'Machine', 'settings.json');
      fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
      fs.writeFileSync(settingsFile, JSON.stringify({ 'berth.mcp.enabled': true }, null, 2));
      await waitFor('"Berth" in the MCP server list', async () => {
        await w.runCommand('MCP: List Servers');
        try {
          await pickQuickItemWait(w, 'Berth');
          await w.screenshot('mcp-list-berth-enabled');
          return true;
        } finally {
          await w.page.keyboard.press('Escape');
        }
      }, 120_000);
    });

    await step(w, 'VS Code starts the "Berth" MCP server (berth mcp) and discovers its tools', async () => {
      await w.runCommand('MCP: List Servers');
      await pickQuickItem(w, 'Berth');
      await pickQuickItem(w, 'Start Server');
      await quickInputClosed(w);
      await w.runCommand('MCP: List Servers');
      await pickQuickItem(w, 'Berth');
      await pickQuickItem(w, 'Show Output');
      // Berth's own channel, not the server's before it: its first line names it.
      await w.waitForText('Starting server Berth', 30_000);
      await w.waitForText('Discovered', 60_000);
      if (await w.page.getByText('Starting server ev').first().isVisible()) throw new Error('the output shows the "ev" channel, not Berth\'s');
      await w.screenshot('mcp-berth-started-tools');
    });

    await step(w, "a workspace's server needs approval in the tree, runs once approved through the modal, and asks again after a mount is edited", async () => {
      // Written now, not before the window opened: the daemon follows the workspace's .berth folder.
      const wsDir = server?.workspaceDir ?? '';
      const wsFile = path.join(wsDir, '.berth', 'servers.yaml');
      const data = path.join(root, 'ws-data');
      fs.mkdirSync(data, { recursive: true });
      const spec = (mount: string) => `servers:\n  ${WS_SERVER}:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/tools.js]\n    network: bridge\n    volumes: [${mount}]\n`;
      fs.writeFileSync(wsFile, spec(`{ source: ${data}, target: /data }`));
      try {
        await w.openViewContainer('Berth');
        // Earlier steps leave the other server expanded, and its tools push this row out of the rendered part of the tree.
        await collapseRow(w, SERVER);
        await waitForRow(w, `"${WS_SERVER}" needs approval`, (r) => r.label === WS_SERVER && r.description.startsWith('needs approval:') && r.description.includes('network: bridge'));
        await w.screenshot('workspace-server-needs-approval');
        await w.runCommand('Berth: Approve Workspace Server…');
        await pickQuickItem(w, WS_SERVER);
        const dialog = w.page.locator('.monaco-dialog-box');
        await dialog.waitFor({ state: 'visible', timeout: 15_000 });
        const shown = await dialog.innerText();
        for (const line of [`image ${FIXTURE_IMAGE}`, `mount ${data} at /data (read-only)`, 'network: bridge']) if (!shown.includes(line)) throw new Error(`the approval modal does not list "${line}"; it says ${JSON.stringify(shown)}`);
        await w.screenshot('workspace-server-approval-modal');
        await dialog.locator('.monaco-button').filter({ hasText: 'Approve and Start' }).first().click();
        await waitForRow(w, `"${WS_SERVER}" healthy`, (r) => r.label === WS_SERVER && r.description.startsWith('healthy'), 120_000);
        await w.screenshot('workspace-server-approved-healthy');
        fs.writeFileSync(wsFile, spec(`{ source: ${data}, target: /data, readOnly: false }`));
        await waitForRow(w, `"${WS_SERVER}" needs approval again`, (r) => r.label === WS_SERVER && r.description.startsWith('needs approval:') && r.description.includes('rw: it may write there'));
        await w.screenshot('workspace-server-asks-again');
      } finally {
        fs.rmSync(wsFile, { force: true });
      }
    });

    console.log(`screenshots: ${screenshots}`);
  } catch (err) {
    steps.push({ name: 'setup', ok: false, error: err instanceof Error ? err.message : String(err) });
    console.error(`e2e failed: ${err instanceof Error ? err.message : String(err)}`);
    if (wb) await wb.screenshot('failure').catch(() => undefined);
  } finally {
    await wb?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    for (const name of [BURN, SERVER]) {
      try {
        berth(env, 'rm', name);
      } catch {
        // Setup may have failed before the server existed, or the step that adds it did not run.
      }
    }
    try {
      stopDaemon(env);
    } catch {
      // Nothing more to stop.
    }
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(berthHome, { recursive: true, force: true });
    const failed = steps.filter((s) => !s.ok);
    console.log(`screenshots: ${screenshots}`);
    if (server) console.log(`code-server log: ${server.logFile}`);
    const ran = steps.filter((s) => s.name !== 'setup').length;
    console.log(`e2e: ${steps.length - failed.length} passed, ${failed.length} failed, ${skipped.length} skipped by BERTH_E2E_ONLY, of ${DECLARED} steps`);
    const unseen = DECLARED - ran - skipped.length;
    if (ONLY && ran === 0) console.log(`e2e failed: BERTH_E2E_ONLY=${process.env.BERTH_E2E_ONLY} matches no step; a step's name must match it`);
    if (unseen > 0) console.log(`e2e failed: ${unseen} of ${DECLARED} steps never ran (an earlier failure stopped the run before them)`);
    if (failed.length || ran === 0 || unseen > 0) process.exitCode = 1;
  }
}

/** Waits until the quick input (palette, picker) has closed, which a pick does once it is taken. */
async function quickInputClosed(wb: Workbench): Promise<void> {
  await wb.page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout: 15_000 });
}

/** Like pickQuickItem, but only waits for the row to be there (MCP: List Servers fills in as providers answer). */
async function pickQuickItemWait(wb: Workbench, label: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const rows = wb.page.locator('.quick-input-widget .monaco-list-row .label-name');
  for (;;) {
    const texts = (await rows.allInnerTexts().catch(() => [])).map((t) => t.trim());
    if (texts.includes(label)) return;
    if (Date.now() > deadline) throw new Error(`"${label}" not in the MCP server list; saw ${JSON.stringify(texts)}`);
    await wb.page.waitForTimeout(300);
  }
}

// A failure before the run's own try (a missing tool, no VSIX) or in its cleanup: one line, exit 1.
main().catch((e: unknown) => {
  console.error(`e2e failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
