/**
 * Direct baselines: a server's own stdio (`docker run -i` of its image) and its own Streamable
 * HTTP endpoint in a container, reached on the container's bridge IP. The port comes from the
 * server's own "listening on … port N" line and the IP from `docker inspect`, both at run time.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** Every container this run starts carries this label, so its leftovers (and no one else's) are found. */
export const BENCH_LABEL = `berth-bench=${randomUUID()}`;

export function dockerRunStdio(image: string, args: string[] = []): { command: string; args: string[] } {
  return { command: 'docker', args: ['run', '-i', '--rm', '--network', 'none', '--label', BENCH_LABEL, image, ...args] };
}

export interface HttpContainer {
  url: string;
  stop(): Promise<void>;
}

export async function startHttpContainer(image: string, args: string[]): Promise<HttpContainer> {
  const id = (await run('docker', ['run', '-d', '--rm', '--label', BENCH_LABEL, image, ...args])).stdout.trim();
  const stop = async () => void (await run('docker', ['rm', '-f', id]).catch(() => undefined));
  try {
    const deadline = Date.now() + 60_000;
    let port: string | undefined;
    while (!port) {
      const { stdout, stderr } = await run('docker', ['logs', id]);
      port = /listening on (?:\S+ )?port (\d+)/i.exec(stdout + stderr)?.[1];
      if (!port && Date.now() > deadline) throw new Error(`the server in container ${id.slice(0, 12)} never said which port it listens on`);
      if (!port) await new Promise((r) => setTimeout(r, 100));
    }
    const ip = (await run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id])).stdout.trim();
    if (!ip) throw new Error(`container ${id.slice(0, 12)} has no bridge IP`);
    return { url: `http://${ip}:${port}/mcp`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
