import { appendFileSync, mkdirSync, renameSync, statSync } from 'node:fs';
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
 */
export class AuditLog {
  private readonly file: string;

  constructor(
    stateDir: string,
    private readonly redact: (text: string) => string = (text) => text,
  ) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'audit.log');
  }

  record(raw: AuditEntry): void {
    const entry = { ...raw, client: this.redact(raw.client), tool: this.redact(raw.tool), error: raw.error === undefined ? undefined : this.redact(raw.error) };
    try {
      if ((statSync(this.file, { throwIfNoEntry: false })?.size ?? 0) > MAX_BYTES) renameSync(this.file, `${this.file}.1`);
      appendFileSync(this.file, `${jsonText(entry)}\n`, { mode: 0o600 });
    } catch {
      // Auditing must never fail a call; a full disk shows up elsewhere first.
    }
  }
}
