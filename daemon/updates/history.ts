import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import { BuildSource, ImageRef } from '../protocol/spec.js';
import { readStateFile } from '../stateFile.js';

/** One version a server ran before an update: what rolling back to it writes into its spec again. */
export const PastVersion = z.object({
  version: z.string(),
  image: ImageRef,
  build: BuildSource.optional(),
  /** The extra name that keeps its image from any prune (`berth-keep/INSTANCE/SERVER:VERSION`). */
  keptAs: z.string(),
  at: z.number(),
});
export type PastVersion = z.infer<typeof PastVersion>;

const HistoryFile = z.record(z.string(), z.array(PastVersion));

/** The versions each server ran before, newest last, in `update-history.json` in the state folder. */
export class UpdateHistory {
  private data: Record<string, PastVersion[]> = {};

  private constructor(private readonly file: string) {}

  static async open(stateDir: string, report: (sentence: string) => void): Promise<UpdateHistory> {
    const h = new UpdateHistory(path.join(stateDir, 'update-history.json'));
    h.data = await readStateFile(h.file, HistoryFile, {}, report);
    return h;
  }

  list(server: string): PastVersion[] {
    return [...(this.data[server] ?? [])];
  }

  /** Adds what ran before an update; gives the entries past `keep`, oldest first, which the caller lets go. */
  push(server: string, entry: PastVersion, keep: number): PastVersion[] {
    const all = [...(this.data[server] ?? []).filter((e) => e.version !== entry.version), entry];
    const dropped = all.slice(0, Math.max(0, all.length - keep));
    this.data[server] = all.slice(dropped.length);
    this.save();
    return dropped;
  }

  /** Takes a version out (rolled back to it): it is what runs now. */
  take(server: string, version: string): void {
    this.data[server] = (this.data[server] ?? []).filter((e) => e.version !== version);
    this.save();
  }

  private save(): void {
    writePrivateFile(this.file, JSON.stringify(this.data));
  }
}

/** A tag Docker accepts, from a version or a digest; per Berth home, since homes (and users) may share an engine. */
export function keepTag(instance: string, server: string, version: string): string {
  return `berth-keep/${instance}/${server}:${version.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 128)}`;
}
