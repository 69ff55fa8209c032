// Proves the e2e harness end to end with a throwaway fixture extension: code-server starts with
// it, Chromium shows its activity-bar view and tree rows, the palette runs its command, and
// VS Code's own "MCP: List Servers" shows the server its provider registers.
// Run: bash scripts/provision-e2e.sh && npx tsx test/e2e/smoke.e2e.ts
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  e2eToolsMissing,
  installExtensionFolder,
  makeTempDir,
  openWorkbench,
  startCodeServer,
  type CodeServer,
  type Workbench,
} from './harness';

const FIXTURE = path.join(__dirname, 'fixture-extension');

async function main(): Promise<void> {
  const missing = e2eToolsMissing();
  if (missing) throw new Error(missing);

  const root = makeTempDir();
  // Screenshots and the code-server log outlive the run so a person can look at them.
  const artifacts =
    process.env.BERTH_E2E_ARTIFACTS ?? path.join(path.dirname(root), `berth-e2e-smoke-${Date.now()}`);
  const screenshots = path.join(artifacts, 'screenshots');
  fs.mkdirSync(screenshots, { recursive: true });

  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  try {
    const extensionsDir = path.join(root, 'extensions');
    installExtensionFolder(FIXTURE, extensionsDir);
    server = await startCodeServer({
      extensionsDir,
      userDataDir: path.join(root, 'user-data'),
      workspaceDir: path.join(root, 'workspace'),
      logFile: path.join(artifacts, 'code-server.log'),
    });
    wb = await openWorkbench(server.url, screenshots, server.workspaceDir);
    await wb.dismissNoise();
    await wb.screenshot('workbench');

    await wb.openViewContainer('Harness Check');
    await wb.waitForText('Second harness row', 30_000);
    const rows = await wb.treeRowTexts();
    await wb.screenshot('harness-view');
    for (const want of ['First harness row', 'Second harness row']) {
      if (!rows.includes(want)) throw new Error(`tree row "${want}" not visible; rows: ${JSON.stringify(rows)}`);
    }

    await wb.runCommand('Harness: Say Hello');
    await wb.waitForText('Hello from the harness check');
    await wb.screenshot('say-hello');
    await wb.dismissNoise();

    await wb.runCommand('MCP: List Servers');
    await wb.waitForText('harness-echo');
    await wb.screenshot('mcp-list-servers');

    console.log(`screenshots: ${screenshots}`);
    // The plain closing line CI reads ("one word with a colon" may precede the counts).
    console.log('e2e: 1 passed, 0 failed');
  } catch (err) {
    if (wb) await wb.screenshot('failure').catch(() => undefined);
    console.error(`e2e smoke failed: ${err instanceof Error ? err.message : String(err)}`);
    console.error(`screenshots: ${screenshots}`);
    if (server) console.error(`code-server log: ${server.logFile}`);
    console.log('e2e: 0 passed, 1 failed');
    process.exitCode = 1;
  } finally {
    await wb?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  }
}

void main();
