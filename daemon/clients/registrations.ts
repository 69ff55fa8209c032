import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientId, ClientInfo, EntryStatus, FileStatus, WriteResult } from '../protocol/clients.js';
import { NotFoundError } from '../protocol/errors.js';
import { writeUserFile } from '../atomicFile.js';
import { backUp, removeWithBackup } from './backup.js';
import type { ClientDef } from './client.js';
import { clientDef, CLIENTS } from './clients.js';
import { ConfigFileError, deepEqual, openConfig, type ConfigDoc } from './configDoc.js';
import { connectEndpoint, entryKey, type Launcher } from './endpoint.js';
import type { ClientEnv } from './platform.js';
import { ClientState, type Registration } from './state.js';

/** Everything registration needs from its surroundings; tests pass temp dirs and a fixed launcher. */
export interface ClientsContext {
  env: ClientEnv;
  /** Berth's record of what it wrote (under its state dir). */
  stateFile: string;
  launcher: Launcher;
  /** The servers Berth has now. */
  servers(): readonly string[];
}

interface Target {
  def: ClientDef;
  file: string;
  project?: string;
}

function resolveTarget(ctx: ClientsContext, client: ClientId, project: string | undefined): Target {
  const def = clientDef(client);
  if (project === undefined) return { def, file: def.userFile(ctx.env) };
  if (!def.projectFile) throw new Error(`${def.label} has no per-project file; leave out --project`);
  if (!statSync(project, { throwIfNoEntry: false })?.isDirectory()) throw new NotFoundError(`there is no folder ${project}`);
  return { def, file: def.projectFile(ctx.env, project), project };
}

function fileRef(t: Target): Pick<WriteResult, 'client' | 'label' | 'file' | 'scope' | 'project'> {
  return { client: t.def.id, label: t.def.label, file: t.file, scope: t.project === undefined ? 'user' : 'project', ...(t.project === undefined ? {} : { project: t.project }) };
}

function targetOf(r: Registration): Target {
  return { def: clientDef(r.client), file: r.file, ...(r.project === undefined ? {} : { project: r.project }) };
}

function desiredEntry(ctx: ClientsContext, def: ClientDef, server: string): Record<string, unknown> {
  return def.entry(connectEndpoint(ctx.launcher, server), entryKey(server));
}

async function readText(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
}

/** Opens a client file for writing; creating it is refused where it would hide the client's older file. */
async function openForWrite(ctx: ClientsContext, t: Target): Promise<{ text: string | undefined; doc: ConfigDoc }> {
  const text = await readText(t.file);
  const older = text === undefined ? t.def.supersedes?.(ctx.env) : undefined;
  if (older && existsSync(older)) {
    throw new ConfigFileError(`${t.def.label} reads ${older}; creating ${t.file} would replace it, so Berth left both alone — move to ${path.basename(t.file)} first`);
  }
  return { text, doc: openConfig(t.def.shape, t.file, text) };
}

/** Writes the edited file (keeping a backup) unless nothing changed; a file Berth created and emptied is removed. */
async function commit(t: Target, rec: Registration, text: string | undefined, doc: ConfigDoc): Promise<string | undefined> {
  if (!Object.keys(rec.entries).length && rec.created) {
    doc.dropEmptyContainer();
    if (rec.created === 'file' && doc.isEmpty() && text !== undefined) return removeWithBackup(t.file);
  }
  const next = doc.text();
  if (next === text || (text === undefined && doc.isEmpty())) return undefined;
  const backup = await backUp(t.file);
  writeUserFile(t.file, next);
  return backup;
}

/** An entry that says `... connect NAME` is Berth's own, even if Berth's record of it was lost. */
function isBerthEntry(value: unknown, server: string): boolean {
  const args = isRecord(value) ? value.args : undefined;
  return Array.isArray(args) && args.length >= 2 && args[args.length - 2] === 'connect' && args[args.length - 1] === server;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function register(ctx: ClientsContext, p: { client: ClientId; project?: string; servers?: string[] }): Promise<WriteResult> {
  const t = resolveTarget(ctx, p.client, p.project);
  const known = ctx.servers();
  const names = p.servers ?? [...known];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) throw new NotFoundError(`Berth has no server ${unknown.map((n) => `"${n}"`).join(', ')}; \`berth status\` lists them`);
  if (!names.length) throw new NotFoundError('Berth has no servers yet; add one with `berth add NAME --catalog ENTRY`');

  const state = await ClientState.load(ctx.stateFile);
  const { text, doc } = await openForWrite(ctx, t);
  const rec: Registration = structuredClone(state.find(t.file)) ?? { client: t.def.id, file: t.file, ...(t.project === undefined ? {} : { project: t.project }), entries: {} };
  if (!Object.keys(rec.entries).length) rec.created = text === undefined ? 'file' : doc.hasContainer() ? undefined : 'container';
  if (!rec.created) delete rec.created;

  const written: string[] = [];
  for (const name of names) {
    const key = entryKey(name);
    if (!rec.entries[name] && doc.has(key) && !isBerthEntry(doc.get(key), name)) {
      throw new ConfigFileError(`${t.file} already has an entry "${key}" that Berth did not write; rename or remove it, then register again`);
    }
    const desired = desiredEntry(ctx, t.def, name);
    const before = doc.get(key);
    doc.put(key, desired, Object.keys(rec.entries[name]?.entry ?? {}).filter((k) => !(k in desired)));
    if (!deepEqual(before, doc.get(key))) written.push(key);
    rec.entries[name] = { key, entry: desired };
  }
  const backup = await commit(t, rec, text, doc);
  state.put(rec);
  await state.save();
  return { ...fileRef(t), written, removed: [], ...(backup ? { backup } : {}) };
}

export async function unregister(ctx: ClientsContext, p: { client: ClientId; project?: string; servers?: string[] }): Promise<WriteResult> {
  const t = resolveTarget(ctx, p.client, p.project);
  const state = await ClientState.load(ctx.stateFile);
  const found = state.find(t.file);
  if (!found) return { ...fileRef(t), written: [], removed: [] };
  const rec = structuredClone(found);
  const names = p.servers ?? Object.keys(rec.entries);
  const text = await readText(t.file);
  const removed: string[] = [];
  let backup: string | undefined;
  if (text === undefined) {
    for (const name of names) delete rec.entries[name];
  } else {
    const doc = openConfig(t.def.shape, t.file, text);
    for (const name of names) {
      const w = rec.entries[name];
      if (!w) continue;
      if (doc.has(w.key)) {
        doc.remove(w.key);
        removed.push(w.key);
      }
      delete rec.entries[name];
    }
    backup = await commit(t, rec, text, doc);
  }
  state.put(rec);
  await state.save();
  return { ...fileRef(t), written: [], removed, ...(backup ? { backup } : {}) };
}

function entryStatus(ctx: ClientsContext, def: ClientDef, doc: ConfigDoc | undefined, server: string, w: Registration['entries'][string]): EntryStatus {
  const at = { server, key: w.key };
  if (!ctx.servers().includes(server)) return { ...at, state: 'orphaned', detail: `Berth has no server ${server} any more` };
  const current = doc?.get(w.key);
  if (current === undefined) return { ...at, state: 'missing', detail: doc ? 'the entry was removed from the file' : 'the file is gone' };
  if (!isRecord(current)) return { ...at, state: 'edited', detail: 'the entry was replaced by hand' };
  const desired = desiredEntry(ctx, def, server);
  const owned = [...new Set([...Object.keys(w.entry), ...Object.keys(desired)])];
  const changed = owned.filter((k) => !deepEqual(current[k], w.entry[k]));
  if (changed.length) return { ...at, state: 'edited', detail: `${changed.join(', ')} changed by hand` };
  if (!deepEqual(w.entry, desired)) return { ...at, state: 'stale', detail: `the entry runs ${String(w.entry.command)}; Berth now runs as ${ctx.launcher.command}` };
  const gone = launcherPaths(w.entry).find((p) => !existsSync(p));
  if (gone) return { ...at, state: 'stale', detail: `${gone} no longer exists` };
  return { ...at, state: 'ok' };
}

/** The absolute paths an entry runs: the command, and a script handed to it. */
function launcherPaths(entry: Record<string, unknown>): string[] {
  const args = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
  return [entry.command, ...args.slice(0, args.lastIndexOf('connect'))].filter((p): p is string => typeof p === 'string' && path.isAbsolute(p));
}

async function fileStatus(ctx: ClientsContext, r: Registration): Promise<FileStatus> {
  const t = targetOf(r);
  try {
    const text = await readText(t.file);
    const doc = text === undefined ? undefined : openConfig(t.def.shape, t.file, text);
    return { ...fileRef(t), entries: Object.entries(r.entries).map(([server, w]) => entryStatus(ctx, t.def, doc, server, w)) };
  } catch (e) {
    return { ...fileRef(t), entries: [], error: (e as Error).message };
  }
}

export async function status(ctx: ClientsContext, p: { client?: ClientId }): Promise<FileStatus[]> {
  const state = await ClientState.load(ctx.stateFile);
  return Promise.all(state.registrations.filter((r) => !p.client || r.client === p.client).map((r) => fileStatus(ctx, r)));
}

/** Puts every drifted entry back as Berth would write it now and removes entries of servers that are gone. */
export async function sync(ctx: ClientsContext, p: { client?: ClientId }): Promise<WriteResult[]> {
  const state = await ClientState.load(ctx.stateFile);
  const results: WriteResult[] = [];
  for (const found of state.registrations.filter((r) => !p.client || r.client === p.client)) {
    const t = targetOf(found);
    const rec = structuredClone(found);
    const written: string[] = [];
    const removed: string[] = [];
    try {
      const { text, doc } = await openForWrite(ctx, t);
      if (text === undefined) rec.created = 'file';
      for (const [server, w] of Object.entries(found.entries)) {
        const s = entryStatus(ctx, t.def, doc, server, w);
        if (s.state === 'ok') continue;
        if (s.state === 'orphaned') {
          if (doc.has(w.key)) removed.push(w.key);
          doc.remove(w.key);
          delete rec.entries[server];
          continue;
        }
        const desired = desiredEntry(ctx, t.def, server);
        doc.put(w.key, desired, Object.keys(w.entry).filter((k) => !(k in desired)));
        rec.entries[server] = { key: w.key, entry: desired };
        written.push(w.key);
      }
      const backup = written.length || removed.length ? await commit(t, rec, text, doc) : undefined;
      state.put(rec);
      results.push({ ...fileRef(t), written, removed, ...(backup ? { backup } : {}) });
    } catch (e) {
      results.push({ ...fileRef(t), written: [], removed: [], error: (e as Error).message });
    }
  }
  await state.save();
  return results;
}

export async function list(ctx: ClientsContext): Promise<ClientInfo[]> {
  const state = await ClientState.load(ctx.stateFile);
  const info = async (t: Target, installed: boolean): Promise<ClientInfo> => {
    const r = state.find(t.file);
    const s = r ? await fileStatus(ctx, r) : undefined;
    return {
      ...fileRef(t),
      installed,
      servers: r ? Object.keys(r.entries) : [],
      inSync: !s || (!s.error && s.entries.every((e) => e.state === 'ok')),
    };
  };
  const users = CLIENTS.map((def) => {
    const file = def.userFile(ctx.env);
    return info({ def, file }, existsSync(def.installDir(ctx.env)) || existsSync(file));
  });
  const projects = state.registrations.filter((r) => r.project !== undefined).map((r) => info(targetOf(r), existsSync(r.project ?? '')));
  return Promise.all([...users, ...projects]);
}
