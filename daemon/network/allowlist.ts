import { isIPv4 } from 'node:net';
import { forbiddenRange, inSubnet, parseRule, type Rule } from '../protocol/egressRule.js';

/**
 * The egress allowlist of a server: which destinations its proxy may open. Pure, so the proxy
 * inside the container decides with it; the rules themselves are parsed by protocol/egressRule.ts,
 * which also checks spec files.
 */

export type Decision = { allow: true; address: string } | { allow: false; reason: string };

/** Reachable only through a rule that names the address or its network, never through a host name. */
const PRIVATE: [string, number][] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['198.18.0.0', 15],
];

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
    const rule = rules.find((r) => r.kind === 'net' && inSubnet(r.address, r.prefix, name));
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
  return forbiddenRange(address);
}

function isPrivate(address: string): boolean {
  return PRIVATE.some(([net, bits]) => inSubnet(net, bits, address));
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
