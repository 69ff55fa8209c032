import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { writeUserFile } from '../atomicFile.js';
import { ImportCandidate, type ImportEntryRef, type ImportResult } from '../protocol/clients.js';
import { describeIssue } from '../protocol/issue.js';
import type { ServerSpecInput } from '../protocol/spec.js';
import { backUp } from './backup.js';
import type { ClientDef } from './client.js';
import { CLIENTS, clientDef } from './clients.js';
import { deepEqual, openConfig } from './configDoc.js';
import { connectEndpoint } from './endpoint.js';
import { classifyEntry } from './importEntry.js';
import type { ClientsContext } from './registrations.js';
import { ClientState } from './state.js';

/** What applying an import needs from the daemon: its servers, adding one, and the secret store. */
export interface ImportDeps {
  has(server: string): boolean;
  add(server: string, spec: z.input<typeof ServerSpecInput>): Promise<void>;
  /** Takes back an add whose later steps failed, so what is reported ✗ is not there. */
  remove(server: string): Promise<void>;
  setSecret(name: string, value: string): void;
  /** The value Berth stores under a secret name, if any: an import never replaces a different one. */
  storedSecret(name: string): string | undefined;
}

interface Planned {
  candidate: ImportCandidate;
  secretValues: Record<string, string>;
  def: ClientDef;
}

/**
 * Every MCP server entry in every known client's file (user files, and project files Berth has
 * written to), with what Berth would make of it. One server imported from several clients is one
 * server: entries that would make the same spec under the same name share it.
 */
export async function planImport(ctx: ClientsContext, deps: Pick<ImportDeps, 'has' | 'storedSecret'>): Promise<{ planned: Planned[]; problems: string[] }> {
  const state = await ClientState.load(ctx.stateFile);
  const targets = [
    ...CLIENTS.map((def) => ({ def, file: def.userFile(ctx.env), project: undefined as string | undefined })),
    ...state.registrations.filter((r) => r.project !== undefined).map((r) => ({ def: clientDef(r.client), file: r.file, project: r.project })),
  ];
  const planned: Planned[] = [];
  const problems: string[] = [];
  const chosen = new Map<string, Partial<ServerSpecInput> | undefined>();
  for (const t of targets) {
    const text = await readFile(t.file, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    let doc;
    try {
      doc = openConfig(t.def.shape, t.file, text);
    } catch (e) {
      problems.push((e as Error).message);
      continue;
    }
    for (const key of doc.keys()) {
      const { candidate, secretValues } = classifyEntry(key, doc.get(key));
      const full: ImportCandidate = checkedCandidate({ client: t.def.id, label: t.def.label, file: t.file, scope: t.project === undefined ? 'user' : 'project', ...(t.project === undefined ? {} : { project: t.project }), ...candidate });
      const clash = full.skipped ? undefined : Object.entries(secretValues).find(([name, value]) => { const stored = deps.storedSecret(name); return stored !== undefined && stored !== value; });
      if (clash) full.skipped = `Berth stores a secret ${clash[0]} already, with another value (a server may use it), and an import never replaces it; if this entry's value is the one you want, \`berth secret set ${clash[0]}\` first, then import again`;
      if (!full.skipped) {
        const before = chosen.get(full.server);
        if (chosen.has(full.server) && !deepEqual(before, full.spec)) full.skipped = `another entry imports something else as ${full.server}; rename one of them`;
        else if (!chosen.has(full.server) && deps.has(full.server)) full.skipped = `Berth has a server named ${full.server} already`;
        else chosen.set(full.server, full.spec);
      }
      planned.push({ candidate: full, secretValues, def: t.def });
    }
  }
  return { planned, problems };
}

/** A candidate as the protocol carries it; one the protocol would refuse (an npx version like `$(id)`) is skipped with why, never the whole list. */
function checkedCandidate(c: ImportCandidate): ImportCandidate {
  const r = ImportCandidate.safeParse(c);
  if (r.success) return c;
  const { spec: _spec, ...rest } = c;
  return { ...rest, skipped: `it cannot become a server spec (${describeIssue(r.error)})` };
}

/** Adds each importable server (once) and points its client entries at `berth connect NAME`, keeping a backup of each file changed. */
export async function applyImport(ctx: ClientsContext, deps: ImportDeps, only?: readonly ImportEntryRef[]): Promise<{ results: ImportResult[]; problems: string[] }> {
  const { planned, problems } = await planImport(ctx, deps);
  const chosen = (c: ImportCandidate) => !only || only.some((r) => r.file === c.file && r.key === c.key);
  const added = new Map<string, string | undefined>();
  const results: ImportResult[] = [];
  for (const p of planned) {
    const c = p.candidate;
    if (c.skipped || !c.spec) {
      results.push({ ...c, imported: false });
      continue;
    }
    if (!chosen(c)) {
      results.push({ ...c, skipped: 'not chosen', imported: false });
      continue;
    }
    if (!added.has(c.server)) {
      try {
        await deps.add(c.server, { ...c.spec, description: `imported from ${c.label} (${c.key})` });
        try {
          // After the add, so a server that could not be added leaves no secret behind.
          for (const [name, value] of Object.entries(p.secretValues)) deps.setSecret(name, value);
        } catch (e) {
          await deps.remove(c.server).catch(() => undefined);
          throw e;
        }
        added.set(c.server, undefined);
      } catch (e) {
        added.set(c.server, (e as Error).message);
      }
    }
    const error = added.get(c.server);
    results.push({ ...c, imported: error === undefined, ...(error === undefined ? {} : { error }) });
  }
  const state = await ClientState.load(ctx.stateFile);
  for (const file of new Set(results.filter((r) => r.imported).map((r) => r.file))) {
    const mine = results.filter((r) => r.imported && r.file === file);
    const first = mine[0];
    if (!first) continue;
    const def = clientDef(first.client);
    try {
      const doc = openConfig(def.shape, file, await readFile(file, 'utf8'));
      const rec = structuredClone(state.find(file)) ?? { client: def.id, file, ...(first.project === undefined ? {} : { project: first.project }), entries: {} };
      for (const r of mine) {
        const desired = def.entry(connectEndpoint(ctx.launcher, r.server), r.key);
        const before = doc.get(r.key);
        const old = typeof before === 'object' && before !== null ? Object.keys(before) : [];
        doc.put(r.key, desired, old.filter((k) => !(k in desired)));
        rec.entries[r.server] = { key: r.key, entry: desired };
      }
      const backup = await backUp(file);
      writeUserFile(file, doc.text());
      state.put(rec);
      for (const r of mine) if (backup) r.backup = backup;
    } catch (e) {
      // Reported ✗, so not left added: the client still runs its own entry.
      for (const r of mine) {
        await deps.remove(r.server).catch(() => undefined);
        r.imported = false;
        r.error = `${file} could not be changed, so ${r.server} was not added: ${(e as Error).message}`;
      }
    }
  }
  await state.save();
  return { results, problems };
}
