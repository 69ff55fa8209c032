import { readFileSync } from 'node:fs';
import path from 'node:path';
import { daemonLog } from '../daemonLog.js';
import { BerthMcpSettings } from '../protocol/berthMcp.js';
import { parseYaml } from '../servers/specYaml.js';
import type { EnableHints } from './backend.js';
import { describeIssue } from '../protocol/issue.js';

/** A settings file is a few lines; a bigger one is not the right file. */
const MAX_BYTES = 64 * 1024;

/**
 * Where the gateway's `/berth` endpoint reads its settings: `mcp.yaml` beside the user spec file,
 * in Berth's own config folder. Never a workspace file: a folder someone cloned must not be able
 * to turn writes on.
 */
export function berthMcpSettingsFile(userSpecFile: string): string {
  return path.join(path.dirname(userSpecFile), 'mcp.yaml');
}

export type SettingsRead = { settings: BerthMcpSettings; error?: string };

/** The file's settings; the safe defaults (read-only) when it is absent, and also when it is broken, with the reason. */
export function readBerthMcpSettings(file: string): SettingsRead {
  const defaults = BerthMcpSettings.parse({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings: defaults };
    return { settings: defaults, error: `${file} cannot be read (${(e as Error).message})` };
  }
  if (Buffer.byteLength(text) > MAX_BYTES) return { settings: defaults, error: `${file} is over ${MAX_BYTES / 1024} KiB; is it the right file?` };
  const yaml = parseYaml(text);
  if ('error' in yaml) return { settings: defaults, error: `${file}${yaml.line ? `:${yaml.line}` : ''} is not valid YAML (${yaml.error})` };
  const parsed = BerthMcpSettings.safeParse(yaml.value ?? {});
  if (!parsed.success) return { settings: defaults, error: `${file} has an error: ${describeIssue(parsed.error)}` };
  return { settings: parsed.data };
}

/**
 * The `/berth` endpoint's settings, read at each call so an edit holds at once. A broken file
 * means the safe defaults, and the daemon log says why (once per distinct reason).
 */
export function endpointSettings(file: string): { settings: () => BerthMcpSettings; hints: EnableHints } {
  let lastError: string | undefined;
  const read = () => {
    const r = readBerthMcpSettings(file);
    if (r.error && r.error !== lastError) daemonLog(`Berth's MCP server uses its safe defaults (read-only): ${r.error}`);
    lastError = r.error;
    return r;
  };
  const broken = () => (lastError ? ` (it has an error now, so the safe defaults apply: ${lastError})` : '');
  return {
    settings: () => read().settings,
    hints: {
      get allowWrite() {
        return `to allow writes, set \`allowWrite: true\` in ${file}${broken()}`;
      },
      enable: (tool) => `to enable it, add ${tool} to \`enable:\` in ${file}${broken()}`,
      get noConfirm() {
        return `to run such calls without asking, set \`confirmDestructive: false\` in ${file}`;
      },
    },
  };
}

/** The hints for `berth mcp`, whose settings are its flags. */
export const FLAG_HINTS: EnableHints = {
  allowWrite: 'to allow writes, start `berth mcp` with --allow-write',
  enable: (tool) => `to enable it, start \`berth mcp\` with --enable ${tool}`,
  noConfirm: 'to run such calls without asking, start `berth mcp` with --no-confirm',
};
