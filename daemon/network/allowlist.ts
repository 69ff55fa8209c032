import { BlockList, isIPv4 } from 'node:net';

/**
 * The egress allowlist of a server: which destinations its proxy may open, and the addresses no
 * rule can open (cloud metadata, loopback, the host). Pure, so the daemon validates spec files
 * with it and the proxy inside the container decides with the same code.
 *
 * A rule is `host`, `*.domain`, an IPv4 address or an IPv4 CIDR, optionally with `:port` or
 * `:*`; without a port it allows 80 and 443.
 */

export type Rule =
  | { kind: 'host'; host: string; wildcard: boolean; ports: Ports; text: string }
  | { kind: 'net'; address: string; prefix: number; ports: Ports; text: string };
type Ports = number[] | 'any';

export type Decision = { allow: true; address: string } | { allow: false; reason: string };

const DEFAULT_PORTS = [80, 443];
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Never reachable, whatever the allowlist says: these are how a container reaches things it must not. */
const FORBIDDEN: [string, number, string][] = [
  ['169.254.0.0', 16, 'a link-local address (cloud metadata services live there)'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['0.0.0.0', 8, 'a "this network" address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
  ['100.100.100.200', 32, 'a cloud metadata address'],
];

/** Reachable only through a rule that names the address or its network, never through a host name. */
const PRIVATE: [string, number][] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['198.18.0.0', 15],
];

export function parseRule(text: string): Rule | { error: string } {
  const m = /^(.+?)(?::(\d{1,5}|\*))?$/.exec(text.trim().toLowerCase());
  if (!m || !m[1]) return { error: `"${text}" is not an allowlist rule (expected host, *.domain, IPv4 address or CIDR, optionally with :port)` };
  const [, target, portText] = m;
  let ports: Ports = DEFAULT_PORTS;
  if (portText === '*') ports = 'any';
  else if (portText !== undefined) {
    const port = Number(portText);
    if (port < 1 || port > 65535) return { error: `"${text}" has a port outside 1-65535` };
    ports = [port];
  }
  const cidr = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(target);
  if (cidr) {
    const [, address = '', prefixText] = cidr;
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (!isIPv4(address) || prefix > 32) return { error: `"${text}" is not a valid IPv4 address or CIDR` };
    const forbidden = FORBIDDEN.find(([net, bits]) => prefix >= bits && contains(net, bits, address));
    if (forbidden) return { error: `"${text}" is ${forbidden[2]}, which is never reachable from a server` };
    return { kind: 'net', address, prefix, ports, text };
  }
  const wildcard = target.startsWith('*.');
  const host = wildcard ? target.slice(2) : target;
  if (host.length > 253 || !host.split('.').every((l) => LABEL.test(l)) || (wildcard && !host.includes('.'))) {
    return { error: `"${text}" is not a valid host name${target.includes(':') ? ' (IPv6 rules are not supported)' : ''}` };
  }
  return { kind: 'host', host, wildcard, ports, text };
}

export function parseRules(texts: string[]): Rule[] {
  return texts.map((t) => {
    const r = parseRule(t);
    if ('error' in r) throw new Error(r.error);
    return r;
  });
}

/**
 * Whether the proxy may open host:port, and at which address. A host name is resolved here and
 * the address used is the one checked, so a name cannot be re-pointed (DNS rebinding) at
 * metadata, the host or a private network between the check and the connect.
 */
export async function decide(host: string, port: number, rules: Rule[], denied: string[], resolve: (host: string) => Promise<string[]>): Promise<Decision> {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  const portOk = (r: Rule) => r.ports === 'any' || r.ports.includes(port);
  const refuse = (why: string): Decision => ({ allow: false, reason: `${name}:${port} ${why}` });
  if (isIPv4(name)) {
    const why = forbiddenReason(name, denied);
    if (why) return refuse(`is ${why}, which is never reachable`);
    const rule = rules.find((r) => r.kind === 'net' && contains(r.address, r.prefix, name));
    if (!rule) return refuse('is not on the allowlist');
    return portOk(rule) ? { allow: true, address: name } : refuse(`is not on the allowlist (rule "${rule.text}" allows other ports)`);
  }
  const rule = rules.find((r) => r.kind === 'host' && (r.wildcard ? name.endsWith(`.${r.host}`) : name === r.host));
  if (!rule) return refuse('is not on the allowlist');
  if (!portOk(rule)) return refuse(`is not on the allowlist (rule "${rule.text}" allows other ports)`);
  let addresses: string[];
  try {
    addresses = (await resolve(name)).filter((a) => isIPv4(a));
  } catch (e) {
    return refuse(`cannot be resolved (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!addresses.length) return refuse('has no IPv4 address');
  const usable = addresses.find((a) => !forbiddenReason(a, denied) && !isPrivate(a));
  if (usable) return { allow: true, address: usable };
  const first = addresses[0] ?? '';
  return refuse(`resolves to ${first}, ${forbiddenReason(first, denied) ?? 'a private address'}; list the address itself to allow a private one`);
}

function forbiddenReason(address: string, denied: string[]): string | undefined {
  if (denied.includes(address)) return "the Docker host's gateway";
  return FORBIDDEN.find(([net, bits]) => contains(net, bits, address))?.[2];
}

function isPrivate(address: string): boolean {
  return PRIVATE.some(([net, bits]) => contains(net, bits, address));
}

function contains(network: string, prefix: number, address: string): boolean {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  return list.check(address, 'ipv4');
}

/** Default gateways from the kernel's routing table (/proc/net/route: little-endian hex). */
export function defaultGateways(routeTable: string): string[] {
  return routeTable
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols[1] === '00000000' && cols[2] && cols[2] !== '00000000')
    .map((cols) => {
      const n = Number.parseInt(cols[2] ?? '0', 16);
      return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
    });
}
