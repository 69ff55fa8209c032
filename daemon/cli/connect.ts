import { connectDaemon } from '../client/client.js';
import { berthPaths } from '../protocol/paths.js';
import { McpClose, McpMessage, McpOpen } from '../protocol/tunnel.js';

/**
 * `berth connect NAME`: a tunnel from this process's stdio to a proxy session in the daemon, the
 * same one the gateway serves, onto the daemon's one session with the server's container. Every
 * client that spawns this shares that container; nothing is started per client, so nothing leaks
 * when a client goes away. Messages pass as they are (one JSON parse each way, for the framing):
 * both MCP eras, progress, cancellation and the server's questions are the proxy's business.
 */
export async function runConnect(name: string): Promise<void> {
  const daemon = await connectDaemon(berthPaths(), 'berth-connect');
  const { channel } = await daemon.request(McpOpen, { name });
  const { connection } = daemon;
  connection.onNotification(McpMessage.method, (p: { channel: string; message: unknown }) => {
    if (p.channel === channel) process.stdout.write(`${JSON.stringify(p.message)}\n`);
  });

  let ended = false;
  const done = new Promise<void>((resolve, reject) => {
    process.stdin.once('end', () => {
      ended = true;
      void connection.sendNotification(McpClose.method, { channel }).finally(resolve);
    });
    connection.onClose(() => {
      if (!ended) reject(new Error(`the Berth daemon went away (it stopped or restarted), so the connection to ${name} ended; restart the MCP server in your client to connect again`));
      resolve();
    });
  });

  let buffered = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    const lines = (buffered + chunk).split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch (e) {
        // Answered here, as any stdio server would: the daemon never sees a line that is not JSON.
        process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${(e as Error).message}` } })}\n`);
        continue;
      }
      void connection.sendNotification(McpMessage.method, { channel, message });
    }
  });
  try {
    await done;
  } finally {
    // Its client may keep the pipe open; this process is done with it either way.
    process.stdin.destroy();
    daemon.close();
  }
}
