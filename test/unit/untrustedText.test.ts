import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inert, inertItem, markdownText } from '../../extension/untrustedText.js';

/** VS Code's own parser of links in notifications (vs/base/common/linkedText.ts). */
const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/gi;
const CODICON = /\$\([a-z.~-]+\)/i;
const ATTACK = '[Fix configuration](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22id%5Cn%22%7D)';

describe('text from servers, catalogs, specs and clients in VS Code', () => {
  it('leaves no command link a notification would render, and keeps the words', () => {
    expect(ATTACK).toMatch(NOTIFICATION_LINK);
    const out = inert(`Installing x stopped at test: ${ATTACK}. Nothing was added.`);
    expect(out).not.toMatch(NOTIFICATION_LINK);
    expect(out).toContain('Fix configuration');
    for (const variant of ['[a]\t(command:x)', '[a](https://evil.test)', '[a] (file:///etc/passwd)', '[[a]](command:x)']) expect(inert(variant)).not.toMatch(NOTIFICATION_LINK);
  });

  it('leaves no icon syntax a quick pick would render, and keeps plain text as it is', () => {
    expect(inert('$(check) approved')).not.toMatch(CODICON);
    expect(inert('server echo: port 8080 (http), [ok]')).toBe('server echo: port 8080 (http), [ok]');
    expect(inertItem({ label: ATTACK, description: '$(pass)', detail: ATTACK, name: 'x' })).toEqual({ label: inert(ATTACK), description: inert('$(pass)'), detail: inert(ATTACK), name: 'x' });
  });

  it('escapes links, autolinks, html and icons for markdown', () => {
    const md = markdownText(`${ATTACK} <command:x> <img src=x> $(gear)`);
    expect(md).not.toMatch(/(?<!\\)\]\(/);
    expect(md).not.toMatch(/(?<!\\)</);
    expect(md).not.toMatch(/(?<!\\)\$\(/);
  });
});

describe('every notification of the extension goes through inert()', () => {
  it('passes each show*Message text through inert() unless it is a literal with nothing interpolated', () => {
    const ROOT = path.join(__dirname, '..', '..');
    const files = readdirSync(path.join(ROOT, 'extension'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const raw: string[] = [];
    let seen = 0;
    for (const f of files) {
      const text = readFileSync(path.join(ROOT, 'extension', f), 'utf8');
      for (const m of text.matchAll(/show(?:Error|Warning|Information)Message\(\s*/g)) {
        seen++;
        const rest = text.slice((m.index ?? 0) + m[0].length);
        const literal = /^(['"])(?:(?!\1)[^\\]|\\.)*\1\s*[,)]/.test(rest) || /^`[^`$]*`\s*[,)]/.test(rest);
        if (!rest.startsWith('inert(') && !literal) raw.push(`extension/${f}: ${rest.split('\n')[0]?.slice(0, 100) ?? ''}`);
      }
    }
    expect(seen).toBeGreaterThan(30);
    expect(raw).toEqual([]);
  });
});
