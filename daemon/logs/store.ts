import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { ServerName } from '../protocol/spec.js';
import { LogStream, type LogLine } from '../protocol/status.js';
import { compileGrep } from './grep.js';
import { daemonLog } from '../daemonLog.js';
import { jsonText } from '../protocol/printable.js';

export interface LogQuery {
  lines?: number;
  since?: number /* ms since epoch */;
  /** An RE2 pattern; one RE2 cannot compile makes query() reject with a one-line message. */
  grep?: string;
}

const MAX_LINE_BYTES = 16 * 1024;
/**
 * A long line is kept this far past the cap until it is redacted, and cut after: a secret that
 * straddles the cap is then found whole and replaced, never stored in part.
 */
const REDACT_MARGIN_BYTES = 8 * 1024;

const storedLine = z.object({ t: z.number(), s: LogStream, m: z.string() });

interface Pending { text: string; t: number; droppedBytes: number }
/** A finished line before redaction, with the bytes already left out of it. */
type TakenLine = LogLine & { dropped: number };
/** Lines that could not be written (a full disk), told in the server's log once writing works again. */
interface Unsaved { lines: number; from: number; to: number; error: string }
interface ServerState {
  pending: Map<LogStream, Pending>;
  decoders: Map<LogStream, StringDecoder>;
  /** Size of the current file; undefined until first looked up (so a restart picks up where it was). */
  size: number | undefined;
  unsaved: Unsaved | undefined;
}

/**
 * Bounded per-server log store, one JSON-lines file per server plus rotated `.1`…`.N` copies.
 * Writes are synchronous appends, so a daemon killed outright loses only the unterminated line it
 * was still buffering, and lines land on disk in the order they arrived. A write that fails (a
 * full disk) never throws into the stream handler that appended: its lines are dropped, the daemon
 * log says so once, and the server's log says how many were lost once writing works again.
 */
export class LogStore {
  private readonly maxFileBytes: number;
  private readonly maxFiles: number;
  private readonly states = new Map<string, ServerState>();
  private readonly listeners = new Map<string, Set<(line: LogLine) => void>>();
  // Bumped on every rotation so a query racing one can notice and re-read.
  private readonly rotations = new Map<string, number>();

  /** Applied to each whole line before it is stored or followed: known secret values are replaced. */
  private readonly redact: (text: string) => string;
  /** Where the store tells of failing writes: the daemon's log. */
  private readonly notice: (line: string) => void;
  /** A write failed and none has worked since. */
  private failing = false;

  constructor(
    private readonly dir: string,
    limits: { maxFileBytes?: number; maxFiles?: number; redact?: (text: string) => string; notice?: (line: string) => void } = {},
  ) {
    this.redact = limits.redact ?? ((text) => text);
    this.notice = limits.notice ?? daemonLog;
    this.maxFileBytes = limits.maxFileBytes ?? 1024 * 1024;
    this.maxFiles = limits.maxFiles ?? 3;
    if (!(this.maxFileBytes > 0) || !Number.isInteger(this.maxFiles) || this.maxFiles < 0) {
      throw new Error(`invalid log limits: maxFileBytes must be > 0 and maxFiles a whole number >= 0`);
    }
    // Logs can carry secrets a server printed; keep them private to the user.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * Raw chunks as they come from a container: split into lines, keeping a partial last line
   * buffered per server+stream until its newline (or flush). A chunk on the 'berth' stream is one
   * message of the daemon itself, stored as one line whatever line breaks the text it quotes holds
   * (a tool name, a server's error), so that text cannot forge a note of the daemon's.
   * Never throws for a failing disk (see the class comment); a vanished directory is recreated.
   */
  append(server: string, stream: LogStream, chunk: string | Buffer, t: number = Date.now()): void {
    const state = this.state(server);
    if (stream === 'berth') {
      const message = String(chunk);
      this.emit(server, state, [{ t, stream, text: message.endsWith('\n') ? message.slice(0, -1) : message, dropped: 0 }]);
      return;
    }
    let text: string;
    if (typeof chunk === 'string') {
      text = chunk;
    } else {
      // A chunk boundary can split a multi-byte character; the decoder carries it over.
      let decoder = state.decoders.get(stream);
      if (!decoder) state.decoders.set(stream, (decoder = new StringDecoder('utf8')));
      text = decoder.write(chunk);
    }
    const pieces = text.split('\n');
    const rest = pieces.pop()!;
    const complete: TakenLine[] = [];
    for (const piece of pieces) {
      this.extend(state, stream, piece, t);
      complete.push(this.take(state, stream) ?? { t, stream, text: '', dropped: 0 });
    }
    this.extend(state, stream, rest, t);
    this.emit(server, state, complete);
  }

  /**
   * Copies a container's output stream into the server's log. When the stream ends (the container
   * exited, or the run was let go of), its last unterminated line is written as a line of its own,
   * so it is neither lost nor glued to the first line of the next run.
   */
  pipe(server: string, stream: LogStream, from: Readable): void {
    from.on('data', (chunk: Buffer) => this.append(server, stream, chunk));
    const end = () => this.flush(server, stream);
    from.once('end', end);
    from.once('close', end);
  }

  /** Writes out buffered partial lines of the server: of one stream, or of all of them. */
  flush(server: string, only?: LogStream): void {
    const state = this.state(server);
    const lines: TakenLine[] = [];
    for (const stream of only ? [only] : (['stdout', 'stderr'] as const)) {
      const tail = state.decoders.get(stream)?.end();
      if (tail) this.extend(state, stream, tail, Date.now());
      const line = this.take(state, stream);
      if (line) lines.push(line);
    }
    this.emit(server, state, lines);
  }

  /** Stored lines oldest → newest; `lines` keeps the last N after the `since` and `grep` filters. */
  async query(server: string, q: LogQuery): Promise<LogLine[]> {
    checkName(server);
    const matches = q.grep === undefined ? undefined : compileGrep(q.grep);
    if (q.lines !== undefined && !(Number.isInteger(q.lines) && q.lines >= 0)) {
      throw new Error(`lines must be a whole number of 0 or more, not ${q.lines}`);
    }
    let out = (await this.readAll(server)).filter(
      (l) => (q.since === undefined || l.t >= q.since) && (!matches || matches(l.text)),
    );
    if (q.lines !== undefined) out = q.lines === 0 ? [] : out.slice(-q.lines);
    return out;
  }

  /** New lines of the server as they are stored (no history). */
  follow(server: string, listener: (line: LogLine) => void): { dispose(): void } {
    checkName(server);
    let set = this.listeners.get(server);
    if (!set) this.listeners.set(server, (set = new Set()));
    const own = set;
    // Wrap so the same function can follow twice and each dispose removes only its own.
    const entry = (line: LogLine): void => listener(line);
    own.add(entry);
    return {
      dispose: () => {
        own.delete(entry);
        if (own.size === 0 && this.listeners.get(server) === own) this.listeners.delete(server);
      },
    };
  }

  /** Time of the newest stored line, e.g. to backfill from the engine after a daemon restart. */
  async lastTimestamp(server: string): Promise<number | undefined> {
    checkName(server);
    for (const file of this.files(server).reverse()) {
      const lines = parseLines(await readIfExists(file));
      const last = lines[lines.length - 1];
      if (last) return last.t;
    }
    return undefined;
  }

  /** Deletes the server's files and drops anything still buffered for it. */
  async remove(server: string): Promise<void> {
    checkName(server);
    this.states.delete(server);
    const prefix = `${server}.log`;
    const names = await fs.promises.readdir(this.dir).catch(() => [] as string[]);
    // Also catches rotated files beyond maxFiles left by an earlier, larger setting.
    const ours = names.filter((n) => n === prefix || (n.startsWith(`${prefix}.`) && /^\d+$/.test(n.slice(prefix.length + 1))));
    await Promise.all(ours.map((n) => fs.promises.rm(path.join(this.dir, n), { force: true })));
  }

  private state(server: string): ServerState {
    checkName(server);
    let s = this.states.get(server);
    if (!s) this.states.set(server, (s = { pending: new Map(), decoders: new Map(), size: undefined, unsaved: undefined }));
    return s;
  }

  /** Adds text to the stream's unterminated line, keeping at most MAX_LINE_BYTES (and the redaction margin) of it in memory. */
  private extend(state: ServerState, stream: LogStream, text: string, t: number): void {
    let p = state.pending.get(stream);
    if (!p) {
      if (text === '') return;
      state.pending.set(stream, (p = { text: '', t, droppedBytes: 0 }));
    }
    if (p.droppedBytes > 0) {
      p.droppedBytes += Buffer.byteLength(text);
      return;
    }
    p.text += text;
    const bytes = Buffer.byteLength(p.text);
    if (bytes > MAX_LINE_BYTES + REDACT_MARGIN_BYTES) {
      p.text = truncateUtf8(p.text, MAX_LINE_BYTES + REDACT_MARGIN_BYTES);
      p.droppedBytes = bytes - Buffer.byteLength(p.text);
    }
  }

  /** Ends the stream's pending line, if any, and returns it. */
  private take(state: ServerState, stream: LogStream): TakenLine | undefined {
    const p = state.pending.get(stream);
    if (!p) return undefined;
    state.pending.delete(stream);
    return { t: p.t, stream, text: p.text.endsWith('\r') ? p.text.slice(0, -1) : p.text, dropped: p.droppedBytes };
  }

  private emit(server: string, state: ServerState, raw: TakenLine[]): void {
    if (raw.length === 0) return;
    // Whole lines, so a secret split across two chunks is still found; redacted first, then cut.
    const lines = raw.map(({ t, stream, text, dropped }) => ({ t, stream, text: capLine(this.redact(text), dropped) }));
    this.save(server, state, lines);
    // Followers see every line, saved or not.
    for (const line of lines) {
      for (const listener of this.listeners.get(server) ?? []) {
        try {
          listener(line);
        } catch {
          // A broken follower must not stop logging or starve the other followers.
        }
      }
    }
  }

  /** Writes lines, preceded by a note on lines lost before; a failing write drops them and counts them instead. */
  private save(server: string, state: ServerState, lines: LogLine[]): void {
    const lost = state.unsaved;
    const note: LogLine[] = lost
      ? [{ t: lines[0]!.t, stream: 'berth', text: `${lost.lines} log line${lost.lines === 1 ? ' was' : 's were'} not saved (${new Date(lost.from).toISOString()} to ${new Date(lost.to).toISOString()}): writing the log failed (${lost.error})` }]
      : [];
    try {
      this.write(server, state, [...note, ...lines]);
    } catch (err) {
      const error = (err as Error).message;
      const u = (state.unsaved ??= { lines: 0, from: lines[0]!.t, to: 0, error });
      u.lines += lines.length;
      u.to = lines[lines.length - 1]!.t;
      if (!this.failing) {
        this.failing = true;
        this.notice(`could not write server logs to ${this.dir} (${error}); their lines are dropped until writing works again (free some disk space)`);
      }
      return;
    }
    state.unsaved = undefined;
    if (this.failing) {
      this.failing = false;
      this.notice(`writing server logs to ${this.dir} works again`);
    }
  }

  private write(server: string, state: ServerState, lines: LogLine[]): void {
    const file = this.file(server);
    let batch = '';
    let batchBytes = 0;
    if (state.size === undefined) {
      state.size = fileSize(file);
      // A SIGKILL mid-write can leave a torn last line; start on a fresh line so only it is lost.
      if (state.size > 0 && !endsWithNewline(file, state.size)) {
        batch = '\n';
        batchBytes = 1;
      }
    }
    for (const line of lines) {
      // A reader of the file (`tail -f`) sees no raw control character; the value is the same.
      const json = jsonText({ t: line.t, s: line.stream, m: line.text }) + '\n';
      const bytes = Buffer.byteLength(json);
      if (state.size + batchBytes > 0 && state.size + batchBytes + bytes > this.maxFileBytes) {
        this.appendToFile(state, file, batch);
        this.rotate(server);
        state.size = 0;
        batch = '';
        batchBytes = 0;
      }
      batch += json;
      batchBytes += bytes;
    }
    this.appendToFile(state, file, batch);
  }

  private appendToFile(state: ServerState, file: string, data: string): void {
    if (data === '') return;
    try {
      try {
        fs.appendFileSync(file, data, { mode: 0o600 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        fs.appendFileSync(file, data, { mode: 0o600 });
      }
      state.size = (state.size ?? 0) + Buffer.byteLength(data);
    } catch (err) {
      // The file may be partly written; re-measure it before the next write.
      state.size = undefined;
      throw err;
    }
  }

  /** current → .1 → .2 … keeping maxFiles rotated copies. */
  private rotate(server: string): void {
    const file = this.file(server);
    fs.rmSync(`${file}.${this.maxFiles}`, { force: true });
    for (let i = this.maxFiles - 1; i >= 1; i--) renameIfExists(`${file}.${i}`, `${file}.${i + 1}`);
    if (this.maxFiles > 0) renameIfExists(file, `${file}.1`);
    else fs.rmSync(file, { force: true });
    this.rotations.set(server, (this.rotations.get(server) ?? 0) + 1);
  }

  private file(server: string): string {
    return path.join(this.dir, `${server}.log`);
  }

  /** Oldest first: .N … .1, then the current file. */
  private files(server: string): string[] {
    const file = this.file(server);
    const out: string[] = [];
    for (let i = this.maxFiles; i >= 1; i--) out.push(`${file}.${i}`);
    out.push(file);
    return out;
  }

  private async readAll(server: string): Promise<LogLine[]> {
    for (let attempt = 0; ; attempt++) {
      const before = this.rotations.get(server);
      const texts = await Promise.all(this.files(server).map(readIfExists));
      // A rotation between reading two files would show lines twice or skip some; read again.
      if (this.rotations.get(server) === before || attempt === 2) return texts.flatMap(parseLines);
    }
  }
}

function checkName(server: string): void {
  if (!ServerName.safeParse(server).success) throw new Error(`invalid server name ${JSON.stringify(server)}`);
}

function parseLines(text: string): LogLine[] {
  const out: LogLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue; // torn write
    }
    const r = storedLine.safeParse(json);
    if (r.success) out.push({ t: r.data.t, stream: r.data.s, text: r.data.m });
  }
  return out;
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
/** A redacted line cut to MAX_LINE_BYTES, saying how much of it was left out. */
function capLine(text: string, alreadyDropped: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_LINE_BYTES && alreadyDropped === 0) return text;
  const kept = truncateUtf8(text, MAX_LINE_BYTES);
  return `${kept} …[truncated ${alreadyDropped + bytes - Buffer.byteLength(kept)} bytes]`;
}

function truncateUtf8(s: string, max: number): string {
  const buf = Buffer.from(s, 'utf8');
  let end = max;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--; // step back off continuation bytes
  return buf.subarray(0, end).toString('utf8');
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

function endsWithNewline(file: string, size: number): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    fs.closeSync(fd);
  }
}

function renameIfExists(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
