/** What every known secret value becomes in text Berth writes or shows. */
export const REDACTED = '[redacted secret]';

/** What redacts the messages the daemon sends: the replacement, and whether there is anything to replace. */
export interface TextRedactor {
  redact(text: string): string;
  /** No secret value is known, so `redact` returns every text as it is and a message need not be walked. */
  readonly idle: boolean;
}

/** For a channel with no secrets behind it. */
export const NO_SECRETS: TextRedactor = { redact: (text) => text, idle: true };

/**
 * Replaces every known secret value in text: server logs, error messages, status. Values are
 * matched longest first, so a secret that contains another is replaced whole.
 */
export class Redactor implements TextRedactor {
  private values: string[] = [];
  private re: RegExp | undefined;

  constructor(private readonly source: () => string[] = () => []) {
    this.refresh();
  }

  /**
   * Re-reads the values (after a secret was set, handed in or removed). Values seen before are
   * kept: a container made with a value since replaced or removed still holds it and may print it.
   */
  refresh(): void {
    this.values = [...new Set([...this.values, ...this.source().filter((v) => v.length > 0)])].sort((a, b) => b.length - a.length);
    this.re = this.values.length ? new RegExp(this.values.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get idle(): boolean {
    return this.re === undefined;
  }

  redact(text: string): string {
    return this.re ? text.replace(this.re, REDACTED) : text;
  }

  /** Whether any known value occurs in the text. */
  contains(text: string): boolean {
    return this.values.some((v) => text.includes(v));
  }
}

/**
 * A JSON-shaped value with every string in it (object keys too) passed through `redact`. Parts
 * that change are copied; the rest, and the value itself when nothing changes, are returned as
 * they are.
 */
export function redactStrings<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) {
    const items: unknown[] = value;
    const out = items.map((v) => redactStrings(v, redact));
    return out.some((v, i) => v !== items[i]) ? (out as T) : value;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const entries = Object.entries(value).map(([k, v]) => {
      const entry = [redact(k), redactStrings(v, redact)] as const;
      changed ||= entry[0] !== k || entry[1] !== v;
      return entry;
    });
    return changed ? (Object.fromEntries(entries) as T) : value;
  }
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
