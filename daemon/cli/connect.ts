import { MAX_MESSAGE_BYTES } from '../protocol/frameWriter.js';
import { connectDaemon } from '../client/client.js';
import { berthPaths } from '../protocol/paths.js';
import { McpClose, McpMessage, McpOpen, type McpOpenParams } from '../protocol/tunnel.js';

/**
 * `berth connect NAME`: a tunnel from this process's stdio to a proxy session in the daemon, the
 * same one the gateway serves, onto the daemon's one session with the server's container. Every
 * client that spawns this shares that container; nothing is started per client, so nothing leaks
 * when a client goes away. Messages pass as they are (one JSON parse each way, for the framing):
 * both MCP eras, progress, cancellation and the server's questions are the proxy's business.
 * `berth mcp` is the same bridge onto Berth's own tools (`open.berth`, its flags' settings).
 */
export async function runConnect(open: McpOpenParams): Promise<void> {
  const daemon = await connectDaemon(berthPaths(), open.berth ? 'berth-mcp' : 'berth-connect');
  const { channel } = await daemon.request(McpOpen, open);
  const what = open.name ?? "Berth's own MCP server";
  const { connection } = daemon;
  connection.onNotification(McpMessage.method, (p: { channel: string; message: unknown }) => {
    if (p.channel === channel) process.stdout.write(`${JSON.stringify(p.message)}\n`);
  });

  let ended = false;
  let fail: (e: Error) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    fail = reject;
    process.stdin.once('end', () => {
      ended = true;
      void connection.sendNotification(McpClose.method, { channel }).finally(resolve);
    });
    connection.onClose(() => {
      if (!ended) reject(new Error(`the Berth daemon went away (it stopped or restarted), so the connection to ${what} ended; restart the MCP server in your client to connect again`));
      resolve();
    });
  });

  // A line's pieces are kept apart until its end arrives, so a large message costs its size, not its size squared.
  let pieces: string[] = [];
  let pending = 0;
  const forward = (line: string) => {
    if (!line.trim()) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (e) {
      // Answered here, as any stdio server would: the daemon never sees a line that is not JSON.
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${(e as Error).message}` } })}\n`);
      return;
    }
    void connection.sendNotification(McpMessage.method, { channel, message });
  };
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    if (ended) return;
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      pieces.push(chunk.slice(start, end));
      forward(pieces.join(''));
      pieces = [];
      pending = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      pieces.push(chunk.slice(start));
      pending += chunk.length - start;
    }
    // A line with no end in sight is cut as the daemon's socket cuts a frame: never buffered without bound.
    if (pending > MAX_MESSAGE_BYTES) {
      ended = true;
      pieces = [];
      void connection.sendNotification(McpClose.method, { channel }).finally(() =>
        fail(new Error(`the client sent a line of over ${MAX_MESSAGE_BYTES} bytes without a newline, more than one MCP message may be, so the connection to ${what} was closed; check that the client speaks MCP over stdio (one JSON message per line)`)),
      );
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
