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
