import path from 'node:path';
import { z } from 'zod';
import { writePrivateFile } from '../atomicFile.js';
import { readStateFile } from '../stateFile.js';

/** Workspace folder → server name → the grant hash the user approved. */
const ApprovalsFile = z.record(z.string(), z.record(z.string(), z.string()));

/**
 * The user's approvals of workspace servers, in Berth's own state folder: a repository cannot
 * approve its own servers by carrying a file, and a clone elsewhere is a new folder to approve.
 */
export class WorkspaceApprovals {
  private byFolder: Record<string, Record<string, string>> = {};

  constructor(private readonly stateDir: string) {}

  private get file(): string {
    return path.join(this.stateDir, 'approvals.json');
  }

  async load(report: (sentence: string) => void): Promise<void> {
    this.byFolder = await readStateFile(this.file, ApprovalsFile, {}, report);
  }

  get(folder: string, server: string): string | undefined {
    return this.byFolder[folder]?.[server];
  }

  /** Kept on disk before it is answered: an approval that would not survive a restart is not given. */
  approve(folder: string, server: string, hash: string): void {
    const next = { ...this.byFolder, [folder]: { ...this.byFolder[folder], [server]: hash } };
    writePrivateFile(this.file, JSON.stringify(next));
    this.byFolder = next;
  }
}
