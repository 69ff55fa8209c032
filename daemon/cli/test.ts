import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { CancellationTokenSource } from 'vscode-jsonrpc/node';
import { MCPTEST_SUFFIX } from '../protocol/mcptest.js';
import { parseMcpTest } from '../protocol/mcptestYaml.js';
import { jsonText, printable } from '../protocol/printable.js';
import { TestsDidReport, TestsInit, TestsRun, type CaseResult, type StepResult, type TestRunResult } from '../protocol/testRuns.js';
import { berthPaths } from '../protocol/paths.js';
import { connectDaemon, withDaemon } from '../client/client.js';
import { junitXml } from '../testing/junit.js';
import { randomUUID } from 'node:crypto';

interface TestDeps {
  usage(message: string): Error;
}

/** Where a workspace keeps its scenario files. */
const TESTS_DIR = path.join('.berth', 'tests');

export function registerTestCommand(program: Command, deps: TestDeps): void {
  program
    .command('test [targets...]')
    .description(`run scenario files (*${MCPTEST_SUFFIX}): FILE, DIR, or SERVER (its files in ${TESTS_DIR}); all of ${TESTS_DIR} by default`)
    .option('--host <name>', 'run on this host instead of the files\' own')
    .option('--update-snapshots', 'rewrite snapshots that differ instead of failing')
    .option('--junit <file>', 'also write the results as JUnit XML')
    .option('--json', 'print the results as JSON')
    .option('--init <server>', `write ${TESTS_DIR}/SERVER${MCPTEST_SUFFIX}, a starter file from the server's tools`)
    .action(async (targets: string[], o: { host?: string; updateSnapshots?: boolean; junit?: string; json?: boolean; init?: string }) => {
      if (o.init !== undefined) {
        if (targets.length) throw deps.usage('give --init SERVER alone, without files to run');
        const server = o.init;
        const file = path.resolve(TESTS_DIR, `${server}${MCPTEST_SUFFIX}`);
        const r = await withDaemon((c) => c.request(TestsInit, { server, file }));
        process.stdout.write(`wrote ${path.relative(process.cwd(), r.file)} (${r.cases} cases); run it with \`berth test ${server}\`\n`);
        return;
      }
      const files = resolveTargets(targets, deps);
      const run = await runWithProgress({ files, host: o.host, updateSnapshots: o.updateSnapshots }, o.json ?? false);
      if (o.junit) await writeFile(o.junit, junitXml(run));
      if (o.json) process.stdout.write(`${jsonText(run, 2)}\n`);
      else process.stdout.write(`${summary(run)}\n`);
      if (run.failed > 0 || run.cancelled) throw new Error(run.cancelled ? 'the test run was interrupted' : `${run.failed} test${run.failed === 1 ? '' : 's'} failed`);
    });
}

function summary(run: TestRunResult): string {
  const parts = [`${run.passed} passed`, `${run.failed} failed`, ...(run.skipped ? [`${run.skipped} skipped`] : [])];
  return `${parts.join(', ')} (${(run.durationMs / 1000).toFixed(1)} s)`;
}

async function runWithProgress(params: { files: string[]; host?: string; updateSnapshots?: boolean }, json: boolean): Promise<TestRunResult> {
  const client = await connectDaemon(berthPaths(), 'berth-cli');
  const progressToken = randomUUID();
  // With --json, stdout carries only the JSON; the progress goes to stderr.
  const out = (line: string) => (json ? process.stderr : process.stdout).write(`${printable(line, { keepNewlines: true })}\n`);
  client.on(TestsDidReport, ({ token, event }) => {
    if (token !== progressToken) return;
    if (event.kind === 'case') out(caseLine(event.file, event.result));
    else if (event.kind === 'file' && event.result.error) out(`✗ ${event.result.error}`);
    else if (event.kind === 'output' && (process.stderr.isTTY || process.env.BERTH_PROGRESS === '1')) process.stderr.write(`… ${printable(event.text)}\n`);
  });
  const cancel = new CancellationTokenSource();
  // Ctrl-C: the daemon stops the run and removes its throwaway containers; a second one leaves at once.
  const interrupt = () => {
    if (cancel.token.isCancellationRequested) process.exit(130);
    process.stderr.write('stopping the test run (Ctrl-C again to leave at once)\n');
    cancel.cancel();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    return await client.request(TestsRun, { ...params, progressToken }, cancel.token);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    client.close();
  }
}

function caseLine(file: string, c: CaseResult): string {
  const mark = c.status === 'passed' ? '✓' : c.status === 'failed' ? '✗' : '-';
  const lines = [`${mark} ${path.basename(file)} › ${c.id} [${c.host}] (${c.durationMs} ms)`];
  for (const s of c.steps) {
    for (const f of s.failures) lines.push(`    ${s.label}: ${f.message}`);
    for (const w of s.warnings) lines.push(`    ${s.label}: warning: ${w}`);
    if (s.bench) lines.push(`    ${s.label}: ${benchLine(s)}`);
  }
  return lines.join('\n');
}

function benchLine(s: StepResult): string {
  const b = s.bench;
  if (!b) return '';
  const prev = b.previous ? `; vs previous run: p50 ×${b.previous.p50Ratio}, calls/s ×${b.previous.callsPerSecondRatio}` : '; first run';
  return `p50 ${b.p50} ms, p95 ${b.p95} ms, p99 ${b.p99} ms, ${b.callsPerSecond} calls/s, ${b.errors} errors of ${b.iterations}${prev}`;
}

function findFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === '.git') return [];
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return findFiles(full);
    return e.name.endsWith(MCPTEST_SUFFIX) ? [full] : [];
  });
}

function workspaceFiles(): string[] {
  return existsSync(TESTS_DIR) ? findFiles(path.resolve(TESTS_DIR)) : [];
}

/** The scenario files in this folder's .berth/tests whose server is `server` (an update runs them against the new version). */
export function serverScenarioFiles(server: string): string[] {
  return workspaceFiles()
    .filter((f) => {
      const parsed = parseMcpTest(readFileSync(f, 'utf8'));
      return parsed.ok && parsed.file.server === server;
    })
    .sort();
}

/** FILE, DIR (its scenario files, recursively) or SERVER (the files in .berth/tests whose server it is). */
function resolveTargets(targets: string[], deps: TestDeps): string[] {
  if (!targets.length) {
    const all = workspaceFiles();
    if (!all.length) throw deps.usage(`no scenario files in ${TESTS_DIR}; write one (*${MCPTEST_SUFFIX}) or start one with \`berth test --init SERVER\``);
    return all.sort();
  }
  const files = targets.flatMap((t) => {
    if (existsSync(t)) return statSync(t).isDirectory() ? findFiles(path.resolve(t)) : [path.resolve(t)];
    const mine = serverScenarioFiles(t);
    if (!mine.length) throw deps.usage(`"${t}" is neither a file, a folder, nor a server with scenario files in ${TESTS_DIR}`);
    return mine;
  });
  if (!files.length) throw deps.usage(`no scenario files (*${MCPTEST_SUFFIX}) in ${targets.join(', ')}`);
  return [...new Set(files)].sort();
}
