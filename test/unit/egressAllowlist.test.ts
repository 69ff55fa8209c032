import { describe, expect, it } from 'vitest';
import { decide, defaultGateways, parseRules } from '../../daemon/network/allowlist.js';
import { parseRule } from '../../daemon/protocol/egressRule.js';

const dns = (table: Record<string, string[]>) => async (host: string) => {
  const found = table[host];
  if (!found) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return found;
};
const rules = parseRules(['api.github.com', '*.npmjs.org:443', '10.1.2.0/24:5432', '203.0.113.7:*']);
const resolve = dns({
  'api.github.com': ['140.82.112.5'],
  'registry.npmjs.org': ['104.16.0.35'],
  'rebind.npmjs.org': ['169.254.169.254'],
  'internal.npmjs.org': ['10.1.2.3'],
  'mixed.npmjs.org': ['127.0.0.1', '104.16.0.36'],
});

describe('egress allowlist rules', () => {
  it('parses hosts, wildcards, addresses and networks with their ports', () => {
    expect(parseRule('API.GitHub.com')).toMatchObject({ kind: 'host', host: 'api.github.com', wildcard: false, ports: [80, 443] });
    expect(parseRule('*.npmjs.org:443')).toMatchObject({ kind: 'host', host: 'npmjs.org', wildcard: true, ports: [443] });
    expect(parseRule('10.1.2.0/24:5432')).toMatchObject({ kind: 'net', address: '10.1.2.0', prefix: 24, ports: [5432] });
    expect(parseRule('203.0.113.7:*')).toMatchObject({ kind: 'net', prefix: 32, ports: 'any' });
  });

  it.each([
    ['169.254.169.254', /link-local address .* never reachable/],
    ['169.254.0.0/16:*', /link-local/],
    ['127.0.0.1:8080', /loopback/],
    ['evil.com; rm -rf /', /not a valid host name/],
    ['$(id).example.com', /not a valid host name/],
    ['-x', /not a valid host name/],
    ['*.com.', /not a valid host name/],
    ['*', /not a valid host name/],
    ['example.com:0', /port outside 1-65535/],
    ['example.com:70000', /port outside/],
    ['300.1.1.1', /not a valid IPv4/],
    ['10.0.0.0/33', /not a valid IPv4/],
    ['[::1]:80', /IPv6 rules are not supported|not a valid host name/],
  ])('refuses %j', (text, why) => {
    const r = parseRule(text);
    expect('error' in r && r.error).toMatch(why);
  });

  it('refuses a whole list when one rule is bad, naming it', () => {
    expect(() => parseRules(['api.github.com', '169.254.169.254'])).toThrow(/"169\.254\.169\.254" is a link-local/);
  });
});

describe('egress decisions', () => {
  const d = (host: string, port: number, denied: string[] = []) => decide(host, port, rules, denied, resolve);

  it('allows listed hosts on their ports, at the address it checked', async () => {
    expect(await d('api.github.com', 443)).toEqual({ allow: true, address: '140.82.112.5' });
    expect(await d('registry.npmjs.org', 443)).toEqual({ allow: true, address: '104.16.0.35' });
    expect(await d('10.1.2.3', 5432)).toEqual({ allow: true, address: '10.1.2.3' });
    expect(await d('203.0.113.7', 22)).toEqual({ allow: true, address: '203.0.113.7' });
  });

  it('skips a forbidden address among good ones', async () => {
    expect(await d('mixed.npmjs.org', 443)).toEqual({ allow: true, address: '104.16.0.36' });
  });

  it.each([
    ['evil.example', 443, /evil\.example:443 is not on the allowlist/],
    ['npmjs.org', 443, /not on the allowlist/], // the wildcard covers subdomains, not the apex
    ['api.github.com', 22, /allows other ports/],
    ['registry.npmjs.org', 80, /allows other ports/],
    ['10.1.3.1', 5432, /not on the allowlist/],
    ['169.254.169.254', 80, /link-local address .* never reachable/],
    ['127.0.0.1', 80, /loopback/],
    ['rebind.npmjs.org', 443, /resolves to 169\.254\.169\.254, a link-local address/],
    ['internal.npmjs.org', 443, /resolves to 10\.1\.2\.3, a private address; list the address itself/],
    ['gone.npmjs.org', 443, /cannot be resolved \(ENOTFOUND\)/],
  ])('refuses %s:%d', async (host, port, why) => {
    const r = await d(host, port);
    expect(r.allow).toBe(false);
    expect(!r.allow && r.reason).toMatch(why);
  });

  it("refuses the host's gateway even inside a listed network", async () => {
    const r = await decide('10.1.2.1', 5432, rules, ['10.1.2.1'], resolve);
    expect(!r.allow && r.reason).toMatch(/the Docker host's gateway/);
  });
});

it('reads default gateways from /proc/net/route', () => {
  const table = [
    'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
    'eth1\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0',
    'eth0\t000012AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
  ].join('\n');
  expect(defaultGateways(table)).toEqual(['172.17.0.1']);
});
