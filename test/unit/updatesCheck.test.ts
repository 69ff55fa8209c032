import { describe, expect, it } from 'vitest';
import { imageForVersion } from '../../daemon/updates/check.js';
import { parseImageRef } from '../../daemon/updates/imageRegistry.js';
import { appliesAlone, changeBetween, isStableVersion, newestVersion } from '../../daemon/updates/semver.js';
import { keepTag } from '../../daemon/updates/history.js';

describe('update checks', () => {
  it('offers the newest stable version above the current one, never past the latest dist-tag', () => {
    const versions = ['2025.4.25', '2026.7.4', '2026.8.31', '2026.9.0-beta.1', '2027.1.0'];
    expect(newestVersion('2026.7.4', versions, '2026.8.31')).toBe('2026.8.31');
    expect(newestVersion('2026.8.31', versions, '2026.8.31')).toBeUndefined();
    expect(newestVersion('2026.7.4', versions, undefined)).toBe('2027.1.0');
    // A range or a tag is not a version to compare from.
    expect(newestVersion('^2026.7.4', versions, '2026.8.31')).toBeUndefined();
    expect(isStableVersion('2026.9.0-beta.1')).toBe(false);
    expect(isStableVersion('latest')).toBe(false);
  });

  it('sizes a change and lets a policy apply only what it allows', () => {
    expect(changeBetween('1.2.3', '1.2.4')).toBe('patch');
    expect(changeBetween('1.2.3', '1.3.0')).toBe('minor');
    expect(changeBetween('1.2.3', '2.0.0')).toBe('major');
    expect(appliesAlone('none', 'patch')).toBe(false);
    expect(appliesAlone('patch', 'patch')).toBe(true);
    expect(appliesAlone('patch', 'minor')).toBe(false);
    expect(appliesAlone('minor', 'minor')).toBe(true);
    expect(appliesAlone('minor', 'major')).toBe(false);
    expect(appliesAlone('minor', 'digest')).toBe(false);
    expect(appliesAlone('all', 'digest')).toBe(true);
  });

  it('reads image references as Docker does', () => {
    expect(parseImageRef('127.0.0.1:5000/team/srv:v1')).toEqual({ registry: '127.0.0.1:5000', repository: 'team/srv', tag: 'v1' });
    expect(parseImageRef('mcp/github')).toEqual({ registry: 'registry-1.docker.io', repository: 'mcp/github', tag: 'latest' });
    expect(parseImageRef('node')).toEqual({ registry: 'registry-1.docker.io', repository: 'library/node', tag: 'latest' });
    expect(parseImageRef(`localhost/x:2@sha256:${'a'.repeat(64)}`)).toEqual({ registry: 'localhost', repository: 'x', tag: '2', digest: `sha256:${'a'.repeat(64)}` });
  });

  it('names images by version and keeps them under a tag Docker accepts', () => {
    expect(imageForVersion('berth/mcp-memory:2026.7.4', '2026.8.31')).toBe('berth/mcp-memory:2026.8.31');
    expect(imageForVersion('127.0.0.1:5000/x', '1.0.0')).toBe('127.0.0.1:5000/x:1.0.0');
    expect(keepTag('0a1b2c3d4e', 'mem', 'sha256:abc')).toBe('berth-keep/0a1b2c3d4e/mem:sha256-abc');
  });
});
