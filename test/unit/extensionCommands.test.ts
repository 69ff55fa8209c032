import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { freeName, nameProblem, partition, serverNamesFromArgs } from '../../extension/commands/targets.js';
import { isRunning, type BerthNode } from '../../extension/tree/nodes.js';
import { status } from './extensionServers.js';

const node = (name: string): BerthNode => ({ kind: 'server', server: status(name) });

describe('command arguments', () => {
  it('asks (undefined) when run from the palette', () => {
    expect(serverNamesFromArgs(undefined, undefined)).toBeUndefined();
    expect(serverNamesFromArgs({ fsPath: '/x' }, undefined)).toBeUndefined();
  });

  it('takes a server name given by another command or a keybinding', () => {
    expect(serverNamesFromArgs('ev', undefined)).toEqual(['ev']);
  });

  it('acts on the clicked row', () => {
    expect(serverNamesFromArgs(node('a'), [node('a')])).toEqual(['a']);
  });

  it('acts on the whole selection when the clicked row is part of it', () => {
    expect(serverNamesFromArgs(node('b'), [node('a'), node('b'), node('c')])).toEqual(['a', 'b', 'c']);
  });

  it('acts on the clicked row only when it is outside the selection', () => {
    expect(serverNamesFromArgs(node('z'), [node('a'), node('b')])).toEqual(['z']);
  });

  it('maps tool rows to their server and host rows to all their servers, without duplicates', () => {
    const tool: BerthNode = { kind: 'tool', server: status('a'), tool: { name: 'echo', inputSchema: { type: 'object' } } };
    expect(serverNamesFromArgs(tool, undefined)).toEqual(['a']);
    const host: BerthNode = { kind: 'host', host: 'local', servers: [status('a'), status('b')] };
    expect(serverNamesFromArgs(host, [host, node('a')])).toEqual(['a', 'b']);
  });

  it('splits targets into those a verb applies to, those it skips and unknown ones', () => {
    const servers = [status('a'), status('b', { phase: 'stopped' })];
    expect(partition(['a', 'b', 'gone'], servers, isRunning)).toEqual({ act: ['a'], skip: ['b'], unknown: ['gone'] });
  });
});

describe('new server names', () => {
  it('suggests a free name from the entry id', () => {
    expect(freeName('everything', [])).toBe('everything');
    expect(freeName('everything', ['everything', 'everything-2'])).toBe('everything-3');
    expect(freeName('My Server!', [])).toBe('my-server-');
  });

  it('explains bad or taken names', () => {
    expect(nameProblem('ev', [])).toBeUndefined();
    expect(nameProblem('ev', ['ev'])).toBe('There is already a server named ev.');
    expect(nameProblem('-x', [])).toMatch(/^The name must be 1-63 characters/);
  });
});

describe('the manifest', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    contributes: {
      commands: { command: string; title: string }[];
      menus: Record<string, { command: string; when?: string; group?: string }[]>;
      walkthroughs: { steps: { id: string; description: string; media: { markdown: string }; completionEvents: string[] }[] }[];
    };
  };
  const declared = manifest.contributes.commands.map((c) => c.command);

  it('declares every command the extension registers, and registers every one it declares', () => {
    const source = readFileSync('extension/commands/registerCommands.ts', 'utf8');
    const registered = [...source.matchAll(/'(berth\.[\w.]+)':/g)].map((m) => m[1]);
    expect(registered).toContain('berth.catalog.showDetails');
    expect(registered).toContain('berth.client.import');
    expect(declared.filter((c) => !registered.includes(c))).toEqual(['berth.tests.acceptSnapshot']);
    expect(registered.filter((c) => c !== undefined && !declared.includes(c))).toEqual([]);
  });

  it('offers the import in the Servers view’s … menu and as a walkthrough step that runs it', () => {
    const inMenu = manifest.contributes.menus['view/title']?.find((m) => m.command === 'berth.client.import');
    expect(inMenu?.when).toBe('view == berth.servers');
    // Items outside the navigation group are the ones VS Code puts in the … menu.
    expect(inMenu?.group?.startsWith('navigation')).toBe(false);
    expect(manifest.contributes.commands.find((c) => c.command === 'berth.client.import')?.title).toBe('Import Servers from Other Clients…');
    const steps = manifest.contributes.walkthroughs[0]?.steps ?? [];
    const step = steps.find((s) => s.id === 'import');
    expect(step?.description).toContain('(command:berth.client.import)');
    expect(step?.completionEvents).toEqual(['onCommand:berth.client.import']);
    for (const s of steps) expect(existsSync(s.media.markdown), s.media.markdown).toBe(true);
  });
});
