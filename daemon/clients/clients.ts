import type { ClientId } from '../protocol/clients.js';
import type { ClientDef } from './client.js';
import { claudeCode } from './claudeCode.js';
import { claudeDesktop } from './claudeDesktop.js';
import { cline } from './cline.js';
import { continueDev } from './continueDev.js';
import { cursor } from './cursor.js';
import { vscode } from './vscode.js';
import { windsurf } from './windsurf.js';

export const CLIENTS: readonly ClientDef[] = [claudeDesktop, claudeCode, cursor, windsurf, cline, continueDev, vscode];

export function clientDef(id: ClientId): ClientDef {
  const def = CLIENTS.find((c) => c.id === id);
  if (!def) throw new Error(`unknown client ${id}`);
  return def;
}
