import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGateways } from '../../daemon/network/allowlist.js';
import { FIXTURE_IMAGE, TestHome, waitFor } from '../support.js';
import { Tally } from '../tally.js';

const docker = promisify(execFile);
const inspect = async <T>(kind: 'container' | 'network', id: string): Promise<T> => (JSON.parse((await docker('docker', [kind, 'inspect', id])).stdout) as T[])[0]!;

/**
 * The Docker host's address on the default bridge, as a container there routes to it. The bridge's
 * IPAM config may list only a Subnet (a fresh engine does), so the kernel's route table is the fact.
 */
async function bridgeGateway(container: string): Promise<string> {
  const routes = (await docker('docker', ['exec', container, 'node', '-e', 'process.stdout.write(require("fs").readFileSync("/proc/net/route", "utf8"))'])).stdout;
  const [gateway] = defaultGateways(routes);
  if (!gateway) throw new Error(`cannot tell the Docker host's gateway: container ${container} on the default bridge has no default route in /proc/net/route:\n${routes}`);
  return gateway;
}

/**
 * A server with an egress allowlist, against a real engine: what the list names is reachable
 * through the proxy; cloud metadata, the host and everything else is not, with or without it.
 */
describe('egress allowlist', () => {
  let home: TestHome;
  let target = '';
  let targetIp = '';
  let gateway = '';
  let hostService: Server;
  let hostPort = 0;
  const ways = new Tally('ways out', 10);

  const call = async (tool: string, args: Record<string, unknown>): Promise<string> => {
    const out = await home.ok(['call', 'out', tool, JSON.stringify(args), '--json']);
    return (JSON.parse(out) as { content: { text: string }[] }).content[0]!.text;
  };
  const refuse = (name: string, fn: () => Promise<void>) => ways.it(name, fn);

  const spec = (extra = '') => `servers:
  out:
    image: ${FIXTURE_IMAGE}
    args: [/app/egress.js]
    network:
      allow: ["${targetIp}:8080", "${gateway}:*", "localhost:*", "*.example.com"]
${extra}`;

  /** A spec whose new server has a bad network: the file's error names it, and \`out\` runs on untouched. */
  const badNetwork = (network: string, why: RegExp) =>
    refuse(`a spec with network ${network}`, async () => {
      const before = (await home.server('out')).containerId;
      await home.writeSpecs(spec(`  bad:\n    image: ${FIXTURE_IMAGE}\n    network: ${network}\n`));
      const errors = await waitFor('spec error', async () => {
        const st = await home.status();
        return st.specErrors.length ? st.specErrors : undefined;
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(why);
      await home.writeSpecs(spec());
      await waitFor('spec error cleared', async () => (await home.status()).specErrors.length === 0);
      expect(await home.server('out')).toMatchObject({ phase: 'healthy', containerId: before });
    });

  beforeAll(async () => {
    home = await TestHome.create();
    // Something on the engine's bridge to be allowed to, and something on the host not to be.
    target = `berth-egress-target-${process.pid}`;
    await docker('docker', ['run', '-d', '--rm', '--name', target, '--label', 'berth-test=egress', FIXTURE_IMAGE, '-e', 'require("http").createServer((q, s) => s.end("target says hi")).listen(8080)']);
    targetIp = (await docker('docker', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', target])).stdout.trim();
    gateway = await bridgeGateway(target);
    hostService = createServer((s) => s.end('host service\n'));
    await new Promise<void>((resolve) => hostService.listen(0, '0.0.0.0', resolve));
    hostPort = (hostService.address() as { port: number }).port;
    await home.writeSpecs(spec());
    await home.ok(['start', 'out']);
  }, 240_000);

  afterAll(async () => {
    await home?.dispose();
    await docker('docker', ['rm', '-f', target]).catch(() => undefined);
    hostService?.close();
  });

  it('reaches an allowlisted address through the proxy, by plain HTTP and by CONNECT', async () => {
    expect(await call('http_get', { url: `http://${targetIp}:8080/` })).toBe('200 target says hi');
    expect(await call('tunnel', { host: targetIp, port: 8080 })).toBe('200 target says hi');
  });

  refuse('cloud metadata through the proxy (plain HTTP)', async () => {
    expect(await call('http_get', { url: 'http://169.254.169.254/latest/meta-data/' })).toMatch(/^403 Berth egress policy: .*169\.254\.169\.254:80 is a link-local address/);
  });
  refuse('cloud metadata through the proxy (CONNECT)', async () => {
    expect(await call('tunnel', { host: '169.254.169.254', port: 80 })).toBe('403');
  });
  refuse('cloud metadata directly, around the proxy', async () => {
    expect(await call('direct', { host: '169.254.169.254', port: 80 })).toMatch(/^unreachable/);
  });
  refuse("the host's gateway through the proxy, even though the allowlist names it", async () => {
    expect(await call('http_get', { url: `http://${gateway}:${hostPort}/` })).toMatch(/^403 .*the Docker host's gateway/);
  });
  refuse("the host's gateway directly", async () => {
    expect(await call('direct', { host: gateway, port: hostPort })).toMatch(/^unreachable/);
  });
  refuse('the gateway of its own network directly (the host has no address there)', async () => {
    const id = (await home.server('out')).containerId!;
    const net = await inspect<{ NetworkSettings: { Networks: Record<string, { Gateway: string }> } }>('container', id);
    const own = Object.values(net.NetworkSettings.Networks)[0]!.Gateway;
    expect(own).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await call('direct', { host: own, port: hostPort })).toMatch(/^unreachable/);
  });
  refuse('an allowlisted address directly, around the proxy', async () => {
    expect(await call('direct', { host: targetIp, port: 8080 })).toMatch(/^unreachable/);
  });
  refuse('a host that is not on the allowlist', async () => {
    expect(await call('http_get', { url: 'http://not-listed.test/' })).toMatch(/^403 .*not-listed\.test:80 is not on the allowlist/);
  });
  refuse('an allowlisted address on a port the rule does not name', async () => {
    expect(await call('tunnel', { host: targetIp, port: 22 })).toBe('403');
  });
  refuse('an allowlisted name that resolves to loopback', async () => {
    expect(await call('http_get', { url: 'http://localhost:3128/' })).toMatch(/^403 .*resolves to 127\.0\.0\.1, a loopback address/);
  });
  refuse('the proxy from the bridge side (it is not an open proxy)', async () => {
    const [proxy] = (await home.containers()).filter((c) => c.name.endsWith('-egress-proxy'));
    const info = await inspect<{ NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }>('container', proxy!.id);
    const outside = info.NetworkSettings.Networks.bridge!.IPAddress;
    const probe = `require("net").connect(3128, "${outside}").on("connect", () => console.log("open")).on("error", (e) => console.log(e.code))`;
    expect((await docker('docker', ['exec', target, 'node', '-e', probe])).stdout.trim()).toBe('ECONNREFUSED');
  });

  badNetwork('{ allow: ["169.254.169.254"] }', /servers\.bad\.network.*"169\.254\.169\.254" is a link-local address/);
  badNetwork('{ allow: ["evil.com; curl x|sh"] }', /servers\.bad\.network.*is not a valid host name/);
  badNetwork('{ allow: [] }', /servers\.bad\.network.*at least one host/);
  badNetwork('{ allow: ["*"] }', /servers\.bad\.network.*"\*" is not a valid host name/);
  badNetwork('host', /servers\.bad\.network: must be none, bridge, or an egress allowlist/);

  it('has the server alone on an internal network with no host address, and a hardened proxy', async () => {
    const server = await inspect<{ HostConfig: { NetworkMode: string }; Config: { Env: string[] } }>('container', (await home.server('out')).containerId!);
    const network = await inspect<{ Internal: boolean; Options: Record<string, string>; Containers: Record<string, unknown> }>('network', server.HostConfig.NetworkMode);
    expect(network.Internal).toBe(true);
    expect(network.Options['com.docker.network.bridge.inhibit_ipv4']).toBe('true');
    expect(Object.keys(network.Containers)).toHaveLength(2);
    expect(server.Config.Env).toContain('HTTPS_PROXY=http://berth-egress:3128');
    const [proxy] = (await home.containers()).filter((c) => c.name.endsWith('-egress-proxy'));
    const p = await inspect<{ HostConfig: { CapDrop: string[]; ReadonlyRootfs: boolean; SecurityOpt: string[]; Memory: number }; Config: { User: string } }>('container', proxy!.id);
    expect(p.HostConfig).toMatchObject({ CapDrop: ['ALL'], ReadonlyRootfs: true, SecurityOpt: ['no-new-privileges:true'], Memory: 64 * 1024 * 1024 });
    expect(p.Config.User).toBe('10001:10001');
  });

  it("shows the proxy's refusals in the server's log", async () => {
    // A refusal of its own, whichever cases ran before.
    expect(await call('http_get', { url: 'http://169.254.169.254/latest/meta-data/' })).toMatch(/^403 /);
    await waitFor('egress lines in the log', async () => /egress refused .*169\.254\.169\.254/.test(await home.ok(['logs', 'out'])));
  });

  it('stops the proxy with the server, and removes it and the network with the server', async () => {
    // A server of its own beside `out`, which the other cases use.
    await home.writeSpecs(spec(`  gone:\n    image: ${FIXTURE_IMAGE}\n    args: [/app/egress.js]\n    network:\n      allow: ["${targetIp}:8080"]\n`));
    await home.ok(['start', 'gone']);
    const networksOf = async () => {
      const { stdout } = await docker('docker', ['network', 'ls', '--format', '{{.Name}}', '--filter', `label=berth.instance=${home.paths.instance}`]);
      return stdout.split('\n').filter(Boolean);
    };
    const before = await networksOf();
    // The server's container and its proxy (labelled berth.egress-for, named after the server).
    const ofServer = async (name: string) => (await home.containers()).filter((c) => c.server === name || c.name.endsWith(`-${name}-egress-proxy`));
    const goneOnes = () => ofServer('gone');
    await home.ok(['stop', 'gone']);
    expect((await goneOnes()).map((c) => c.state)).toEqual(['exited', 'exited']);
    await home.ok(['rm', 'gone']);
    expect(await goneOnes()).toEqual([]);
    expect(await ofServer('out')).toHaveLength(2);
    expect(await networksOf()).toHaveLength(before.length - 1);
    await home.writeSpecs(spec());
  });

  // After every case, whatever order they ran in: each way out declared above was tried and refused.
  afterAll(() => {
    console.log(`egress suite: ${ways.ran} of ${ways.total} ways out tried, ${ways.passed} refused`);
    ways.verify();
  });
});
