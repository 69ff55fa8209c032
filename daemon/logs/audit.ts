import { mkdirSync } from 'node:fs';
import { appendFile, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { jsonText } from '../protocol/printable.js';

export interface AuditEntry {
  t: number;
  client: string;
  server: string;
  tool: string;
  ms: number;
  /** `error` is a failed call (timeout, server gone); `tool-error` a tool that answered isError. */
  outcome: 'ok' | 'tool-error' | 'error';
  error?: string;
}

const MAX_BYTES = 5 * 1024 * 1024;

/**
 * Every tool call that passes through the daemon, one JSON line each. Argument values are never
 * recorded: they may carry secrets or private data. The texts that are recorded (an error from the
 * server, names a client chose) pass through `redact`, which replaces known secret values; their
 * control characters are escaped (JSON's escapes, DEL and C1 too), so each call stays one line
 * and `cat audit.log` does nothing to a terminal.
 *
 * A call never waits on the disk: its line is queued, and the lines queued meanwhile are appended
 * together, one write at a time, so they stay in order. `flush` (at shutdown) writes what is left.
 */
export class AuditLog {
  private readonly file: string;
  private queued: string[] = [];
  /** The write under way, and any after it, until nothing is queued. */
  private writing: Promise<void> | undefined;
  /** The file's size, read once before the first write and kept from then on. */
  private size: number | undefined;

  constructor(
    stateDir: string,
    private readonly redact: (text: string) => string = (text) => text,
  ) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'audit.log');
  }

  record(raw: AuditEntry): void {
    const entry = { ...raw, client: this.redact(raw.client), tool: this.redact(raw.tool), error: raw.error === undefined ? undefined : this.redact(raw.error) };
    this.queued.push(`${jsonText(entry)}\n`);
    this.writing ??= this.drain();
  }

  /** Resolves once every line recorded so far is on disk. */
  flush(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    // Lines recorded in this turn of the event loop go out in the same write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queued.length) {
      const text = this.queued.join('');
      this.queued = [];
      try {
        this.size ??= (await stat(this.file).catch(() => undefined))?.size ?? 0;
        if (this.size > MAX_BYTES) {
          await rename(this.file, `${this.file}.1`);
          this.size = 0;
        }
        await appendFile(this.file, text, { mode: 0o600 });
        this.size += Buffer.byteLength(text);
      } catch {
        // Auditing must never fail a call; a full disk shows up elsewhere first. The size is read again next time.
        this.size = undefined;
      }
    }
    this.writing = undefined;
  }
}
