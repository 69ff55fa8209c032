import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { ContainerRuntime, Hardening } from '../hosts/runtime.js';
import { readSbom, SBOM_LABEL, type SbomPackage } from '../images/sbom.js';
import type { ScanResult } from '../protocol/updates.js';
import { imageOf } from '../servers/kind.js';
import type { ServerSupervisor } from '../servers/supervisor.js';

/**
 * `berth scan`: an image's packages and licenses (from the SBOM its build recorded), the hardening
 * the engine enforces on its container, and known-vulnerable packages when an advisory source
 * answers. When none does, it says so: an empty list is never passed off as "no vulnerabilities".
 */
export async function scanServer(rt: ContainerRuntime, sup: ServerSupervisor): Promise<ScanResult> {
  const { spec } = sup;
  const image = imageOf(spec);
  const labels = await rt.imageLabels(image);
  if (!labels) throw new Error(`image ${image} is not on the engine; start or build ${sup.name} first`);
  const sbomPath = labels[SBOM_LABEL];
  const packages = sbomPath ? await readSbom(rt, image, sbomPath) : undefined;
  const info = sup.containerId ? await rt.inspect(sup.containerId) : undefined;
  return {
    name: sup.name,
    image,
    digest: await rt.imageDigest(image),
    sbom: packages && sbomPath ? sbomPath : undefined,
    packages: packages ?? [],
    hardening: info ? describeHardening(info.hardening) : [`no container yet; the spec asks for: user ${spec.security.user}, network ${typeof spec.network === 'string' ? spec.network : 'an egress allowlist'}, ${spec.security.readOnlyRootfs ? 'read-only' : 'writable'} root, every capability dropped${spec.security.capAdd.length ? ` but ${spec.security.capAdd.join(', ')}` : ''}`],
    advisories: packages?.length ? await npmAdvisories(packages) : { available: false, reason: sbomPath ? `its label names an SBOM at ${sbomPath}, but the image has none there` : 'the image carries no SBOM (Berth records one for images it builds from npm)' },
  };
}

function describeHardening(h: Hardening): string[] {
  return [
    `capabilities: ${h.capDrop.map((c) => c.toUpperCase()).includes('ALL') ? 'all dropped' : 'not all dropped'}${h.capAdd.length ? `, added back: ${h.capAdd.join(', ')}` : ''}`,
    `privileged: ${h.privileged ? 'yes' : 'no'}`,
    `root filesystem: ${h.readonlyRootfs ? 'read-only' : 'writable'}`,
    `no-new-privileges: ${h.securityOpt.some((o) => /^no-new-privileges(?::true)?$/.test(o)) ? 'on' : 'off'}`,
    `user: ${h.user || 'root (image default)'}`,
    `network: ${h.networkMode}`,
    `memory limit: ${h.memoryBytes > 0 ? `${Math.round(h.memoryBytes / 1024 / 1024)} MiB` : 'none'}`,
    `pids limit: ${h.pidsLimit > 0 ? h.pidsLimit : 'none'}`,
  ];
}

const Advisories = z.record(z.string(), z.array(z.object({ title: z.string(), severity: z.string(), vulnerable_versions: z.string().optional(), url: z.string().optional() })));

/** npm's bulk advisory endpoint on the registry the daemon's npm uses. */
async function npmAdvisories(packages: SbomPackage[]): Promise<ScanResult['advisories']> {
  const registry = (await promisify(execFile)('npm', ['config', 'get', 'registry'], { timeout: 30_000 }).catch(() => ({ stdout: 'https://registry.npmjs.org/' }))).stdout.trim().replace(/\/?$/, '/');
  const body: Record<string, string[]> = {};
  for (const p of packages) if (p.version) (body[p.name] ??= []).push(p.version);
  let res: Response;
  try {
    res = await fetch(`${registry}-/npm/v1/security/advisories/bulk`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    return { available: false, reason: `the advisory source ${registry} could not be reached (${(e as Error).message})` };
  }
  if (!res.ok) return { available: false, reason: `the registry ${registry} refused its bulk advisory endpoint (HTTP ${res.status})` };
  const parsed = Advisories.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) return { available: false, reason: `the registry ${registry} answered its bulk advisory endpoint with something Berth cannot read` };
  const findings = Object.entries(parsed.data).flatMap(([name, list]) => list.map((a) => `${name} ${a.vulnerable_versions ?? ''}: ${a.severity}: ${a.title}${a.url ? ` (${a.url})` : ''}`));
  return { available: true, findings };
}
