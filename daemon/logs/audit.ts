import { mkdirSync, statSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
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
  /** The call's span (W3C Trace Context): its trace, its own id, and its caller's when the caller sent one. */
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
}

/** An update or a rollback of a server: what ran before, what runs after, and why when it did not go through. */
export interface AuditNote {
  t: number;
  server: string;
  action: 'update' | 'rollback';
  outcome: string;
  from?: string;
  to?: string;
  reason?: string;
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
 * together, one write at a time, so they stay in order, to the file kept open between writes (a
 * file removed or moved away meanwhile is made afresh). `close` (at shutdown) writes what is left first.
 */
export class AuditLog {
  private readonly file: string;
  private queued: string[] = [];
  /** The write under way, and any after it, until nothing is queued. */
  private writing: Promise<void> | undefined;
  /** The open file and its size, from the first write on. */
  private out: { handle: FileHandle; size: number } | undefined;
  /** Records a failing write lost since the last one that worked: counted, told once, and written down when writing works again. */
  private lost: { records: number; from: number; to: number; error: string } | undefined;

  constructor(
    stateDir: string,
    private readonly redact: (text: string) => string = (text) => text,
    /** Sees each call as recorded (redacted): the call metrics, fed from this one place every path goes through. */
    private readonly observe: (entry: AuditEntry) => void = () => undefined,
    /** Told once when records start being lost, and once when writing works again (the daemon log). */
    private readonly notice: (sentence: string) => void = () => undefined,
  ) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'audit.log');
  }

  record(raw: AuditEntry): void {
    const entry = { ...raw, client: this.redact(raw.client), tool: this.redact(raw.tool), error: raw.error === undefined ? undefined : this.redact(raw.error) };
    this.observe(entry);
    this.queued.push(`${jsonText(entry)}\n`);
    this.writing ??= this.drain();
  }

  /** A line about the server itself rather than a call (an update, a rollback); not a call, so no metric sees it. */
  note(raw: AuditNote): void {
    const entry = { ...raw, reason: raw.reason === undefined ? undefined : this.redact(raw.reason) };
    this.queued.push(`${jsonText(entry)}\n`);
    this.writing ??= this.drain();
  }

  /** Records lost to failing writes since the last write that worked. */
  get dropped(): number {
    return this.lost?.records ?? 0;
  }

  /** Writes every line recorded so far, then lets go of the file; a later record opens it again. */
  async close(): Promise<void> {
    await this.writing;
    await this.release();
  }

  private async drain(): Promise<void> {
    // Lines recorded in this turn of the event loop go out in the same write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (this.queued.length) {
      const lines = this.queued;
      this.queued = [];
      const lost = this.lost;
      const note = lost ? [`${jsonText({ t: Date.now(), server: 'berth', action: 'audit-gap', outcome: `${lost.records} audit record${lost.records === 1 ? ' was' : 's were'} not written (${new Date(lost.from).toISOString()} to ${new Date(lost.to).toISOString()}): ${lost.error}` })}\n`] : [];
      const text = [...note, ...lines].join('');
      try {
        const out = await this.opened();
        await out.handle.write(text);
        out.size += Buffer.byteLength(text);
        if (lost) this.notice(`writing the audit log ${this.file} works again; ${lost.records} record${lost.records === 1 ? ' was' : 's were'} lost meanwhile (the log says when)`);
        this.lost = undefined;
      } catch (e) {
        // Auditing must never fail a call; the records are counted, and the gap written down once writing works again. The file is opened afresh next time.
        const now = Date.now();
        if (!this.lost) this.notice(`could not write the audit log ${this.file} (${(e as Error).message}); its records are counted as lost until writing works again (free some disk space)`);
        this.lost ??= { records: 0, from: now, to: now, error: (e as Error).message };
        this.lost.records += lines.length;
        this.lost.to = now;
        await this.release();
      }
    }
    this.writing = undefined;
  }

  /** The file to append to: opened again if it was removed, moved aside to `audit.log.1` first once past its cap. */
  private async opened(): Promise<{ handle: FileHandle; size: number }> {
    // A look at the path (a few µs, no round trip through libuv's thread pool as a file handle's
    // stat takes at each write) tells whether the file was removed or moved away meanwhile.
    if (this.out && !statSync(this.file, { throwIfNoEntry: false })) await this.release();
    if (this.out && this.out.size > MAX_BYTES) {
      await this.release();
      await rename(this.file, `${this.file}.1`);
    }
    if (!this.out) {
      const handle = await open(this.file, 'a', 0o600);
      this.out = { handle, size: (await handle.stat()).size };
      if (this.out.size > MAX_BYTES) return this.opened();
    }
    return this.out;
  }

  private async release(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    await out?.handle.close().catch(() => undefined);
  }
}
