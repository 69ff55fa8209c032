import { describe, expect, it } from 'vitest';
import { checkCall, filterTools } from '../../daemon/policy/tools.js';

const tools = [
  { name: 'read_file', annotations: { readOnlyHint: true } },
  { name: 'write_file', annotations: { readOnlyHint: false } },
  { name: 'delete', annotations: {} },
  { name: 'echo' },
];

describe('tool policy', () => {
  it('no policy lets every tool through', () => {
    expect(filterTools(tools, undefined)).toHaveLength(4);
    expect(checkCall('delete', tools, undefined)).toBeUndefined();
  });

  it('deny list', () => {
    expect(filterTools(tools, { deny: ['delete'] }).map((t) => t.name)).toEqual(['read_file', 'write_file', 'echo']);
    expect(checkCall('delete', tools, { deny: ['delete'] }, 'fs')).toBe('tool "delete" is blocked by the deny list (tools.deny) of server fs');
  });

  it('allow list', () => {
    expect(filterTools(tools, { allow: ['echo'] }).map((t) => t.name)).toEqual(['echo']);
    expect(checkCall('write_file', tools, { allow: ['echo'] })).toMatch(/blocked by the allow list \(tools\.allow\)/);
  });

  it('deny wins over allow', () => {
    expect(checkCall('echo', tools, { allow: ['echo'], deny: ['echo'] })).toMatch(/deny list/);
  });

  it('read-only mode keeps only tools that declare readOnlyHint: true', () => {
    expect(filterTools(tools, { readOnly: true }).map((t) => t.name)).toEqual(['read_file']);
    expect(checkCall('echo', tools, { readOnly: true })).toMatch(/blocked by read-only mode \(tools\.readOnly\).*readOnlyHint/);
    expect(checkCall('read_file', tools, { readOnly: true })).toBeUndefined();
  });

  it('a tool called by name that is not offered is refused, under read-only mode too', () => {
    expect(checkCall('secret_tool', tools, {})).toMatch(/is not offered/);
    expect(checkCall('secret_tool', tools, { readOnly: true })).toMatch(/read-only mode/);
  });
});
