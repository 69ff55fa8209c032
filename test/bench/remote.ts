/**
 * Remote-host part of `npm run bench`: per-call Docker API latency to the second engine through
 * Berth's one SSH connection (a dial-stdio channel per call) beside dockerode's built-in
 * `protocol: 'ssh'` (a new SSH connection per call), in the same run; and how many of 30
 * parallel calls each one gets through.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { SshConnection } from '../../daemon/hosts/ssh/connection.js';
import { dockerForSsh } from '../../daemon/hosts/ssh/dockerForSsh.js';
import { KnownHosts } from '../../daemon/hosts/ssh/knownHosts.js';
import { resolveTarget, SshUrl } from '../../daemon/hosts/ssh/sshConfig.js';
import { RemoteHost, USERS } from '../remoteSupport.js';

const CALLS = 50;
const PARALLEL = 30;

async function perCall(call: () => Promise<unknown>, n: number): Promise<number> {
  for (let i = 0; i < 3; i++) await call(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call();
  return (performance.now() - t0) / n;
}

async function parallel(call: () => Promise<unknown>): Promise<number> {
  const results = await Promise.allSettled(Array.from({ length: PARALLEL }, call));
  return results.filter((r) => r.status === 'fulfilled').length;
}

/** Prints its lines after the local benchmark's. */
export async function remoteBench(): Promise<void> {
  const remote = await RemoteHost.start();
  const connection = await (async () => {
    await remote.writeKnownHosts(`${await remote.knownHostsLine('a')}\n`);
    const env = { home: remote.home, configFile: path.join(remote.sshDir, 'config'), agentSocket: undefined, localUser: 'root' };
    const target = await resolveTarget(SshUrl.parse(remote.url()), env);
    return new SshConnection('bench', target, { knownHosts: new KnownHosts(path.join(remote.dir, 'berth_known_hosts'), [path.join(remote.sshDir, 'known_hosts')]) });
  })();
  try {
    const ours = dockerForSsh(connection);
    const baseline = new Docker({
      protocol: 'ssh',
      host: '127.0.0.1',
      port: remote.port,
      username: USERS.ok,
      sshOptions: { privateKey: await readFile(path.join(remote.sshDir, 'id_ed25519')) },
    });
    const oursMs = await perCall(() => ours.ping(), CALLS);
    const baseMs = await perCall(() => baseline.ping(), CALLS);
    const oursOk = await parallel(() => ours.version());
    const baseOk = await parallel(() => baseline.version());
    const ms = (x: number) => `${x.toFixed(2)} ms`;
    console.log(`\nremote Docker API call over SSH (GET /_ping, ${CALLS} in a row): Berth's one connection vs dockerode protocol 'ssh'`);
    console.log(`  berth ${ms(oursMs)}   baseline ${ms(baseMs)}   ratio ${(oursMs / baseMs).toFixed(2)}`);
    console.log(`${PARALLEL} remote calls in parallel, succeeded: berth ${oursOk}/${PARALLEL}   baseline ${baseOk}/${PARALLEL}`);
  } finally {
    connection.close();
    await remote.stop();
  }
}
