import { describe, expect, it } from 'vitest';
import { createContainer } from '../../daemon/berthMcp/docker/containers.js';
import { ContainerPath, ObjectName } from '../../daemon/berthMcp/docker/engine.js';
import { ImageRef, LocalImage } from '../../daemon/berthMcp/docker/imageRef.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: string) => schema.safeParse(v).success;

describe("the Docker tools' input checks", () => {
  it('take image references as Docker writes them, and nothing else', () => {
    for (const r of ['node', 'node:20', 'library/node:20-slim', 'ghcr.io/owner/name:v1.2', 'localhost:5000/a/b', 'registry.example.com:443/x/y_z.w-v:t', `n@sha256:${'a'.repeat(64)}`]) {
      expect(ok(ImageRef, r), r).toBe(true);
    }
    // Upper case in a path, a registry without a dot or a port, spaces, a leading separator, a bad digest.
    for (const r of ['UPPER/case:1', 'Node', 'a b', '-x', 'x:', 'x@sha256:abc', 'a//b', '']) expect(ok(ImageRef, r), r).toBe(false);
    expect(ImageRef.safeParse('a b').error?.issues[0]?.message).toBe('"a b" is not an image reference; write it like node:20, ghcr.io/owner/name:tag or localhost:5000/name@sha256:…');
  });

  it('take an image id where the image is already on the engine', () => {
    for (const id of [`sha256:${'0'.repeat(64)}`, '0123456789ab']) expect(ok(LocalImage, id), id).toBe(true);
    expect(LocalImage.safeParse('not an id!').error?.issues[0]?.message).toContain('is neither an image reference nor an image id');
  });

  it('refuse names with ".." or that Docker would not take, and container paths that are relative or climb', () => {
    expect(ok(ObjectName, 'my-vol_1.data')).toBe(true);
    for (const n of ['a..b', '..', '../x', '.hidden', 'a/b', 'a b', 'x'.repeat(129)]) expect(ok(ObjectName, n), n).toBe(false);
    expect(ok(ContainerPath, '/app/data')).toBe(true);
    for (const p of ['app', '/app/../etc', '']) expect(ok(ContainerPath, p), p).toBe(false);
  });

  it("never puts a container on the host's own network", () => {
    const parsed = createContainer.input.safeParse({ image: 'node:20', network: 'host' });
    expect(parsed.error?.issues[0]?.message).toContain('cannot be "host"');
    expect(createContainer.input.safeParse({ image: 'node:20' }).data).toMatchObject({ network: 'none' });
  });
});
