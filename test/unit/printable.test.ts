import type * as vscode from 'vscode';
import { describe, expect, it } from 'vitest';
import { escapedChannel } from '../../extension/logs/escapedChannel.js';
import { jsonText, printable } from '../../daemon/protocol/printable.js';

const HOSTILE = 'key \u001b[2J\u001b]0;pwned\u0007\r\n2026-01-01T00:00:00.000Z berth  container started\u009b2J\u007f\u2028';

describe('printable', () => {
  it('shows control characters as visible escapes, on one line, keeping tabs and other text', () => {
    expect(printable(HOSTILE)).toBe('key \\x1b[2J\\x1b]0;pwned\\x07\\r\\n2026-01-01T00:00:00.000Z berth  container started\\x9b2J\\x7f\\u2028');
    expect(printable('a\tb ✓ é 日本')).toBe('a\tb ✓ é 日本');
  });

  it('keeps line breaks (LF, CRLF) when asked, and escapes everything else, a lone CR too', () => {
    expect(printable('one\r\ntwo\nthree\rover\u001b[2J', { keepNewlines: true })).toBe('one\r\ntwo\nthree\\rover\\x1b[2J');
  });

  it('is idempotent: escaped text is printable already', () => {
    expect(printable(printable(HOSTILE))).toBe(printable(HOSTILE));
  });
});

describe('jsonText', () => {
  it('is JSON of the same value, with nothing raw that a terminal or a line reader acts on', () => {
    const value = { m: HOSTILE, n: 1 };
    const text = jsonText(value, 2);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    expect(jsonText(value).split('\n')).toHaveLength(1);
  });
});

describe('escapedChannel', () => {
  it('keeps every entry one line, and leaves trace entries (multi-line by design) as they are', () => {
    const entries: string[] = [];
    const channel = {
      name: 'Berth',
      info: (m: string) => entries.push(`info ${m}`),
      error: (m: string) => entries.push(`error ${m}`),
      trace: (m: string) => entries.push(`trace ${m}`),
    } as unknown as vscode.LogOutputChannel;
    const out = escapedChannel(channel);
    out.info(`[stderr] ${HOSTILE}`);
    out.error('failed:\nfake entry');
    out.trace('Sending request\nParams: {}');
    expect(out.name).toBe('Berth');
    expect(entries).toEqual([`info [stderr] ${printable(HOSTILE)}`, 'error failed:\\nfake entry', 'trace Sending request\nParams: {}']);
  });
});
