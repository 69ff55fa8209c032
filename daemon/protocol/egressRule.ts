import { BlockList, isIPv4 } from 'node:net';

/**
 * One rule of a server's egress allowlist, as a spec file writes it: `host`, `*.domain`, an IPv4
 * address or an IPv4 CIDR, optionally with `:port` or `:*`; without a port it allows 80 and 443.
 * Part of the protocol because a spec is checked against it wherever one is written.
 */
export type Rule =
  | { kind: 'host'; host: string; wildcard: boolean; ports: Ports; text: string }
  | { kind: 'net'; address: string; prefix: number; ports: Ports; text: string };
type Ports = number[] | 'any';

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
    const forbidden = FORBIDDEN.find(([net, bits]) => prefix >= bits && inSubnet(net, bits, address));
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

/** Why an IPv4 address is never reachable from a server, or undefined when a rule may open it. */
export function forbiddenRange(address: string): string | undefined {
  return FORBIDDEN.find(([net, bits]) => inSubnet(net, bits, address))?.[2];
}

export function inSubnet(network: string, prefix: number, address: string): boolean {
  const list = new BlockList();
  list.addSubnet(network, prefix, 'ipv4');
  return list.check(address, 'ipv4');
}
