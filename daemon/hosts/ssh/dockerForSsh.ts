import http from 'node:http';
import type { Duplex } from 'node:stream';
import Docker from 'dockerode';
import type { SshConnection } from './connection.js';

/**
 * Channels kept open between calls. Starting `docker system dial-stdio` on the host costs about
 * 50 ms (the docker CLI starting up); an idle channel carries the next call in about 1 ms. Kept
 * small: each one is a process on the host and one of sshd's MaxSessions.
 */
const IDLE_CHANNELS = 2;

/**
 * A dockerode client whose every HTTP request (and hijacked attach) runs over its own
 * `docker system dial-stdio` channel on the host's one SSH connection (calls in parallel never
 * share one), so `DockerRuntime` works on a remote engine unchanged. dockerode's own
 * `protocol: 'ssh'` opens a new SSH connection per call instead: slower, loses calls to sshd's
 * MaxStartups, and accepts any host key.
 */
export function dockerForSsh(connection: SshConnection): Docker {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: IDLE_CHANNELS });
  // Node's Agent takes the socket from the callback when createConnection returns nothing.
  agent.createConnection = (_options: unknown, callback: (err: Error | null, socket?: Duplex) => void) => {
    connection.dialStdio().then(
      (channel) => callback(null, asSocket(channel)),
      (e: Error) => callback(e),
    );
    return undefined;
  };
  // docker-modem passes `agent` to http.request; @types/dockerode does not list it.
  return new Docker({ protocol: 'http', host: 'remote-engine', port: 80, agent } as Docker.DockerOptions);
}

/**
 * The socket calls a keep-alive Agent makes (TCP keepalive, event-loop ref counting, idle
 * timeouts) mean nothing for an SSH channel: the connection's own keepalive covers it.
 */
function asSocket(channel: Duplex): Duplex {
  const self = () => channel;
  return Object.assign(channel, { setKeepAlive: self, setNoDelay: self, setTimeout: self, ref: self, unref: self });
}
