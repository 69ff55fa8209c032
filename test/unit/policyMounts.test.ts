import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkMount, isWithin, resolveExisting, type MountPolicy } from '../../daemon/policy/mounts.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-mounts-'));
const home = path.join(tmp, 'home', 'me');
const berthHome = path.join(tmp, 'berth');
mkdirSync(path.join(home, '.ssh'), { recursive: true });
mkdirSync(path.join(home, 'notes'), { recursive: true });
mkdirSync(path.join(tmp, 'allowed'), { recursive: true });
mkdirSync(path.join(tmp, 'allowed-evil'), { recursive: true });
mkdirSync(berthHome, { recursive: true });
symlinkSync(path.join(home, '.ssh'), path.join(home, 'notes', 'keys'));
symlinkSync('/etc', path.join(tmp, 'etc-link'));
symlinkSync('/var/run/docker.sock', path.join(tmp, 'sock-link'));
symlinkSync(path.join(home, '.aws', 'not-yet'), path.join(tmp, 'dangling'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const policy: MountPolicy = { allowSensitive: false, home, berthDirs: [berthHome] };
const refused = (source: string, p: MountPolicy = policy) => {
  const r = checkMount(source, p);
  if (r.ok) throw new Error(`${source} was allowed (resolved to ${r.resolved})`);
  return r.reason;
};

describe('checkMount', () => {
  it('allows an ordinary folder, and says what it resolved to', () => {
    expect(checkMount(path.join(home, 'notes'), policy)).toEqual({ ok: true, resolved: path.join(home, 'notes') });
    expect(checkMount(path.join(tmp, 'allowed', 'sub', 'new'), policy)).toMatchObject({ ok: true });
  });

  it.each([
    ['/var/run/docker.sock', /Docker|docker\.sock/],
    ['/run/docker.sock', /docker\.sock/],
    ['/home/someone/.docker/run/docker.sock', /Docker engine socket/],
    ['/run/user/1000/docker.sock', /Docker engine socket/],
    ['/run/containerd/containerd.sock', /containerd/],
    ['/etc', /\/etc is a host system path/],
    ['/etc/ssl/certs', /inside \/etc/],
    ['/proc', /\/proc/],
    ['/proc/1/root', /\/proc/],
    ['/sys', /\/sys/],
    ['/dev', /\/dev/],
    ['/boot', /\/boot/],
    ['/var/lib/docker', /\/var\/lib\/docker/],
    ['/var/lib/docker/volumes', /\/var\/lib\/docker/],
    ['/root', /root/],
    ['/', /root of the host filesystem/],
    ['/var', /contains/],
    ['/run', /contains/],
  ])('refuses %s', (source, why) => {
    const reason = refused(source);
    expect(reason).toContain(JSON.stringify(source));
    expect(reason).toMatch(why);
    expect(reason).toMatch(/volumes\[\]\.allowSensitive: true.*--allow-sensitive-mount/);
  });

  it.each(['.ssh', '.aws', '.docker', '.kube', '.gnupg', '.config/gcloud'])('refuses ~/%s and what is inside it', (dir) => {
    expect(refused(path.join(home, dir))).toContain(`~/${dir} holds credentials`);
    expect(refused(path.join(home, dir, 'config'))).toMatch(/is inside/);
  });

  it('refuses the home folder itself, since it contains ~/.ssh', () => {
    expect(refused(home)).toMatch(/contains .*\.ssh/);
  });

  it("refuses Berth's own folder", () => {
    expect(refused(path.join(berthHome, 'state'))).toMatch(/Berth's own folder/);
  });

  it('allows /root/notes when /root is the home folder, not otherwise', () => {
    expect(checkMount('/root/notes', { allowSensitive: false, home: '/root' })).toMatchObject({ ok: true });
    expect(refused('/root/notes')).toMatch(/root user's home/);
  });

  it('resolves symlinks first: a link into ~/.ssh, to /etc, to the Docker socket', () => {
    expect(refused(path.join(home, 'notes', 'keys'))).toMatch(new RegExp(`resolves to ${path.join(home, '.ssh')}`));
    expect(refused(path.join(tmp, 'etc-link', 'passwd'))).toMatch(/resolves to \/etc\/passwd/);
    expect(refused(path.join(tmp, 'sock-link'))).toMatch(/docker\.sock/);
  });

  it('follows a dangling symlink to where it would land', () => {
    expect(refused(path.join(tmp, 'dangling'))).toMatch(/\.aws/);
  });

  it('refuses .. outright, and relative paths', () => {
    expect(refused(`${home}/notes/../.ssh`)).toMatch(/contains "\.\."/);
    expect(refused(`${tmp}/allowed/../../etc`)).toMatch(/contains "\.\."/);
    expect(refused('notes')).toMatch(/not an absolute path/);
  });

  it('compares segments, not string prefixes', () => {
    const p: MountPolicy = { ...policy, extra: [path.join(tmp, 'allowed')] };
    expect(refused(path.join(tmp, 'allowed'), p)).toMatch(/allowed/);
    expect(checkMount(path.join(tmp, 'allowed-evil'), p)).toMatchObject({ ok: true });
    expect(checkMount('/etcetera', policy)).toMatchObject({ ok: true });
    expect(checkMount('/procfs-notes', policy)).toMatchObject({ ok: true });
    expect(isWithin('/allowed-evil', '/allowed')).toBe(false);
    expect(isWithin('/allowed/x', '/allowed')).toBe(true);
  });

  it('treats a folder whose name starts with ".." as inside its parent', () => {
    expect(isWithin('/home/u/..x/secret', '/home/u')).toBe(true);
    expect(isWithin('/home/u/..x', '/home/u')).toBe(true);
    expect(isWithin('/home/u', '/home/u')).toBe(true);
    expect(isWithin('/home/other', '/home/u')).toBe(false);
    expect(isWithin('/home', '/home/u')).toBe(false);
    // A folder holding Berth's own folder is refused, also when that folder's name starts with "..".
    const hidden = { ...policy, resolveSymlinks: false, berthDirs: ['/srv/data/..berth'] };
    expect(refused('/srv/data', hidden)).toMatch(/contains \/srv\/data\/\.\.berth, and .* is Berth's own folder/);
    expect(refused('/srv/data/..berth/state', hidden)).toMatch(/is inside \/srv\/data\/\.\.berth/);
  });

  it('allowSensitive lets a sensitive path through, but never .. or a relative path', () => {
    const allow = { ...policy, allowSensitive: true };
    expect(checkMount('/etc', allow)).toMatchObject({ ok: true });
    expect(checkMount('/var/run/docker.sock', allow)).toMatchObject({ ok: true });
    expect(checkMount('/srv/../etc', allow).ok).toBe(false);
    expect(checkMount('etc', allow).ok).toBe(false);
  });

  it("refuses another user's credential folders by name", () => {
    expect(refused('/home/other/.ssh/id_ed25519')).toMatch(/has a \.ssh folder in it/);
    expect(refused('/srv/backup/.aws')).toMatch(/\.aws/);
  });

  it("a remote host's paths are checked as written, without this machine's home or symlinks", () => {
    const remote: MountPolicy = { allowSensitive: false, home: '', resolveSymlinks: false };
    expect(checkMount(path.join(tmp, 'etc-link'), remote)).toMatchObject({ ok: true });
    expect(checkMount('/etc', remote).ok).toBe(false);
    expect(checkMount('/home/me/.ssh', remote).ok).toBe(false);
    expect(checkMount('/root/data', remote)).toMatchObject({ ok: true });
  });

  it('resolveExisting keeps the missing tail as written', () => {
    expect(resolveExisting(path.join(tmp, 'etc-link', 'no', 'such'))).toBe('/etc/no/such');
  });
});
