import * as vscode from 'vscode';
import { ImageRef } from '../../../daemon/protocol/spec.js';
import type { Ctx } from '../../ctx.js';
import { addAndStart } from '../catalog/addCatalogEntry.js';
import { freeName, nameProblem } from '../targets.js';

/** Adds a server from any image that speaks MCP over stdio. */
export async function addServerImage(ctx: Ctx): Promise<void> {
  await ctx.whenConnected();
  const image = await vscode.window.showInputBox({
    title: 'Add a server from an image (1/3)',
    prompt: 'An image that speaks MCP on stdin/stdout',
    placeHolder: 'registry:5000/team/mcp-server:1.2',
    validateInput: (v) => {
      const r = ImageRef.safeParse(v.trim());
      return r.success ? undefined : `The image ${r.error.issues[0]?.message ?? 'is not valid'}.`;
    },
  });
  if (image === undefined) return;
  const taken = ctx.serverList.map((s) => s.name);
  const base = image.trim().split('@')[0]?.split('/').pop()?.split(':')[0] ?? 'server';
  const name = await vscode.window.showInputBox({
    title: 'Add a server from an image (2/3)',
    prompt: 'Name of the new server',
    value: freeName(base.replace(/^mcp-/, ''), taken),
    validateInput: (v) => nameProblem(v, taken),
  });
  if (name === undefined) return;
  const rawArgs = await vscode.window.showInputBox({
    title: 'Add a server from an image (3/3)',
    prompt: 'Arguments for the image\'s command, as a JSON array of strings (leave empty for none)',
    placeHolder: '["--read-only"]',
    validateInput: (v) => (v.trim() === '' || parseArgs(v) ? undefined : 'Give a JSON array of strings, like ["--flag", "value"].'),
  });
  if (rawArgs === undefined) return;
  await addAndStart(ctx, { name, image: image.trim(), args: parseArgs(rawArgs) });
}

function parseArgs(text: string): string[] | undefined {
  if (text.trim() === '') return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x): x is string => typeof x === 'string') ? v : undefined;
  } catch {
    return undefined;
  }
}
