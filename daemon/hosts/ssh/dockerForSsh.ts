import http from 'node:http';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { SshConnection } from './connection.js';

/**
 * A dockerode client whose every HTTP request (and hijacked attach) runs over its own
 * `docker system dial-stdio` channel on the host's one SSH connection, so `DockerRuntime` works
 * on a remote engine unchanged. dockerode's own `protocol: 'ssh'` opens a new SSH connection per
 * call instead: slower, loses calls to sshd's MaxStartups, and accepts any host key.
 */
export function dockerForSsh(connection: SshConnection): Docker {
  const agent = new http.Agent({ keepAlive: false });
  // Node's Agent takes the socket from the callback when createConnection returns nothing.
  agent.createConnection = ((_options: unknown, callback: (err: Error | null, socket?: Duplex) => void) => {
    connection.dialStdio().then(
      (channel) => callback(null, channel),
      (e: Error) => callback(e),
    );
    return undefined;
  }) as unknown as typeof agent.createConnection;
  // docker-modem passes `agent` to http.request; @types/dockerode does not list it.
  return new Docker({ protocol: 'http', host: 'remote-engine', port: 80, agent } as Docker.DockerOptions);
}
