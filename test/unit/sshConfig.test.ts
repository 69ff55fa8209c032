import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveTarget, SshUrl, type SshEnv } from '../../daemon/hosts/ssh/sshConfig.js';

describe('~/.ssh/config resolution', () => {
  let dir: string;
  let env: SshEnv;
  const resolve = (url: string) => resolveTarget(SshUrl.parse(url), env);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'berth-sshconfig-'));
    env = { home: dir, configFile: path.join(dir, 'config'), agentSocket: '/tmp/agent.sock', localUser: 'me' };
    await writeFile(
      env.configFile,
      [
        'Host box',
        '  HostName 10.0.0.5',
        '  Port 2200',
        '  User deploy',
        '  IdentityFile ~/.ssh/box_%h',
        '  IdentityFile /keys/%r',
        'Host inner',
        '  HostName 10.1.0.9',
        '  ProxyJump box,jumper@10.0.0.6:2201',
        '  IdentityAgent none',
        '  HostKeyAlias inner-key',
        'Host badport',
        '  Port nope',
        'Host *',
        '  ConnectTimeout 3',
        '',
      ].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('applies a Host block, expanding ~ and %h/%r, with Host * defaults', async () => {
    expect(await resolve('ssh://box')).toMatchObject({
      alias: 'box',
      host: '10.0.0.5',
      port: 2200,
      user: 'deploy',
      identityFiles: [path.join(dir, '.ssh', 'box_10.0.0.5'), '/keys/deploy'],
      agent: '/tmp/agent.sock',
      connectTimeoutMs: 3000,
      keyName: { host: '10.0.0.5', port: 2200 },
    });
  });

  it("lets the URL's user and port win over the config", async () => {
    expect(await resolve('ssh://root@box:22')).toMatchObject({ user: 'root', port: 22, host: '10.0.0.5' });
  });

  it('falls back to the default identities and the local user for an unknown host', async () => {
    const t = await resolve('ssh://plain.example');
    expect(t).toMatchObject({ host: 'plain.example', port: 22, user: 'me', jumps: [] });
    expect(t.identityFiles.map((f) => path.basename(f))).toEqual(['id_ed25519', 'id_ecdsa', 'id_rsa']);
  });

  it('reads ProxyJump hops in order, IdentityAgent none and HostKeyAlias', async () => {
    const t = await resolve('ssh://inner');
    expect(t.jumps.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual(['deploy@10.0.0.5:2200', 'jumper@10.0.0.6:2201']);
    expect(t.agent).toBeUndefined();
    expect(t.keyName).toEqual({ host: 'inner-key', port: 22 });
  });

  it('names the file and host of a bad value', async () => {
    await expect(resolve('ssh://badport')).rejects.toThrow(new RegExp(`${env.configFile.replace(/[/.]/g, '\\$&')}, Host badport: port`));
  });
});
