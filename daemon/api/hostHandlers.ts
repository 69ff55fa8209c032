import type { MessageConnection } from 'vscode-jsonrpc/node';
import type { Hosts } from '../hosts/hosts.js';
import * as H from '../protocol/hosts.js';
import type { ServerStatus } from '../protocol/status.js';
import { handle } from './rpc.js';

export interface HostHandlerContext {
  hosts: Hosts;
  servers(): ServerStatus[];
  progress(token: string | undefined): (message: string) => void;
}

/** `hosts/*`: the SSH hosts servers can run on. */
export function registerHostHandlers(connection: MessageConnection, ctx: HostHandlerContext): void {
  const { hosts } = ctx;
  const serversOn = (host: string) => ctx.servers().filter((s) => s.host === host);

  handle(connection, H.HostsList, () => hosts.list((host) => serversOn(host).length));

  handle(connection, H.HostsAdd, async (p) => {
    const { host, report } = await hosts.add(p.name, p.url, { passphrase: p.passphrase, acceptHostKey: p.acceptHostKey, onProgress: ctx.progress(p.progressToken) });
    if (!host) return { report };
    const [info] = (await hosts.list((h) => serversOn(h).length)).filter((h) => h.name === p.name);
    return { host: info, report };
  });

  handle(connection, H.HostsRemove, async (p) => {
    await hosts.remove(p.name, serversOn(p.name).map((s) => s.name));
    return { removed: p.name };
  });

  handle(connection, H.HostsTest, (p) => hosts.test(p.name, { passphrase: p.passphrase, acceptHostKey: p.acceptHostKey, onProgress: ctx.progress(p.progressToken) }));

  handle(connection, H.HostsAcceptKey, (p) => hosts.acceptKey(p.target, p.fingerprint));
}
