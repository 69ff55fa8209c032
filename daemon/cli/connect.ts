import { connectDaemon } from '../client/client.js';
import { berthPaths } from '../protocol/paths.js';
import { McpClose, McpMessage, McpOpen, type McpOpenParams } from '../protocol/tunnel.js';
import { ClientInput, requestId, responseId } from './connectInput.js';

/**
 * How long a connect that cannot open its server waits for the client's first request, to answer
 * it with the reason: a client spawns the bridge and writes `initialize` at once, and an answer is
 * what it shows the user (an exit alone reads as "starting" forever in some clients).
 */
const FIRST_REQUEST_WAIT_MS = 10_000;

/** The JSON-RPC error a refused open answers requests with: a server error, its message the reason. */
const OPEN_FAILED = -32000;

/**
 * `berth connect NAME`: a tunnel from this process's stdio to a proxy session in the daemon, the
 * same one the gateway serves, onto the daemon's one session with the server's container. Every
 * client that spawns this shares that container; nothing is started per client, so nothing leaks
 * when a client goes away. Messages pass as they are (one JSON parse each way, for the framing):
 * both MCP eras, progress, cancellation and the server's questions are the proxy's business.
 * `berth mcp` is the same bridge onto Berth's own tools (`open.berth`, its flags' settings).
 *
 * It always ends: a server that cannot be opened answers the client's requests with the reason and
 * exits 1; the end of stdin waits for the answers to what was asked, then closes.
 */
export async function runConnect(open: McpOpenParams): Promise<void> {
  // Read from the start: a client writes `initialize` while the channel opens (a pull, a build).
  const input = new ClientInput(process.stdin);
  const what = open.name ?? "Berth's own MCP server";
  let daemon: Awaited<ReturnType<typeof connectDaemon>> | undefined;
  let channel: string;
  try {
    daemon = await connectDaemon(berthPaths(), open.berth ? 'berth-mcp' : 'berth-connect');
    ({ channel } = await daemon.request(McpOpen, open));
  } catch (e) {
    await refuse(input, (e as Error).message);
    daemon?.close();
    input.close();
    throw e;
  }
  const { connection } = daemon;
  /** The client's requests not answered yet, by id: the end of stdin waits for them. */
  const inFlight = new Set<string>();
  let settled: (() => void) | undefined;
  connection.onNotification(McpMessage.method, (p: { channel: string; message: unknown }) => {
    if (p.channel !== channel) return;
    process.stdout.write(`${JSON.stringify(p.message)}\n`);
    const id = responseId(p.message);
    if (id !== undefined && inFlight.delete(id) && inFlight.size === 0) settled?.();
  });

  /** Set once this bridge is closing (stdin ended, a line cut, the daemon gone): nothing more is sent on the connection. */
  let ended = false;
  /** Tells the daemon this channel is done; the connection may already be gone, which ends it as well. */
  const closeChannel = () => Promise.resolve().then(() => connection.sendNotification(McpClose.method, { channel })).catch(() => undefined);
  const done = new Promise<void>((resolve, reject) => {
    void input.ended.then(async () => {
      // Already closing: stdin ending then is this process's own doing.
      if (ended) return;
      ended = true;
      if (inFlight.size) await new Promise<void>((r) => (settled = r));
      await closeChannel();
      resolve();
    });
    void input.overflowed.then(async () => {
      if (ended) return;
      ended = true;
      await closeChannel();
      reject(
        new Error(
          `the client sent a line of over ${input.maxLine} bytes without a newline, more than one MCP message may be, so the connection to ${what} was closed; check that the client speaks MCP over stdio (one JSON message per line)`,
        ),
      );
    });
    connection.onClose(() => {
      const closing = ended;
      ended = true;
      if (!closing) reject(new Error(`the Berth daemon went away (it stopped or restarted), so the connection to ${what} ended; restart the MCP server in your client to connect again`));
      resolve();
    });
  });

  input.consume((line) => {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (e) {
      // Answered here, as any stdio server would: the daemon never sees a line that is not JSON.
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${(e as Error).message}` } })}\n`);
      return;
    }
    const id = requestId(message);
    if (id !== undefined) inFlight.add(id);
    void connection.sendNotification(McpMessage.method, { channel, message });
  });
  try {
    await done;
  } finally {
    // Its client may keep the pipe open; this process is done with it either way.
    input.close();
    daemon.close();
  }
}

/**
 * The server cannot be opened: each request the client wrote, or the first it writes soon, is
 * answered with the reason, so the client shows it instead of waiting on a process that exits.
 */
async function refuse(input: ClientInput, reason: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, FIRST_REQUEST_WAIT_MS);
    const finish = () => {
      clearTimeout(timer);
      resolve();
    };
    void input.ended.then(finish);
    input.consume((line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        return;
      }
      const id = requestId(message);
      if (id === undefined) return;
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: JSON.parse(id) as unknown, error: { code: OPEN_FAILED, message: reason } })}\n`);
      finish();
    });
  });
}
