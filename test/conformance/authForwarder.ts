import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test plumbing, not part of Berth: the conformance CLI cannot send headers of its own (it has
 * no option for them), and the gateway wants a bearer token. This loopback forwarder passes each
 * request to the gateway as it came, bodies streamed both ways, adding only the Authorization
 * header. The Host header is rewritten only when it names the forwarder itself, so a scenario
 * that sends a foreign Host (DNS rebinding) still reaches the gateway with it.
 */
export async function startAuthForwarder(target: URL, authorization: string): Promise<{ url(path: string): string; close(): Promise<void> }> {
  let own = '';
  const server = http.createServer((req, res) => {
    const headers = { ...req.headers, authorization };
    if (req.headers.host === own) headers.host = target.host;
    const upstream = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`forwarder: ${e.message}`);
      else res.destroy();
    });
    // A client that goes away (a cancelled SSE stream) goes away upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  own = `127.0.0.1:${port}`;
  return {
    url: (p) => `http://${own}${p}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
