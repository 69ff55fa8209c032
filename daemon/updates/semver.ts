import type { UpdatePolicy } from '../protocol/updatePolicy.js';

/** Just enough semver for update checks: stable `major.minor.patch` versions, compared and sized. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

const STABLE = /^(\d+)\.(\d+)\.(\d+)$/;

/** A stable version, or undefined for a prerelease, a range or a tag. */
export function parseVersion(text: string): Version | undefined {
  const m = STABLE.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function changeBetween(from: Version, to: Version): 'major' | 'minor' | 'patch' {
  if (to.major !== from.major) return 'major';
  if (to.minor !== from.minor) return 'minor';
  return 'patch';
}

/**
 * The newest stable version above `current`, no newer than the `latest` dist-tag (a version
 * published under another tag, `next` say, is not offered as an update).
 */
export function newestVersion(current: string, versions: string[], latest: string | undefined): string | undefined {
  const from = parseVersion(current);
  if (!from) return undefined;
  const ceiling = latest === undefined ? undefined : parseVersion(latest);
  let best: Version | undefined;
  let bestText: string | undefined;
  for (const text of versions) {
    const v = parseVersion(text);
    if (!v || compareVersions(v, from) <= 0) continue;
    if (ceiling && compareVersions(v, ceiling) > 0) continue;
    if (!best || compareVersions(v, best) > 0) [best, bestText] = [v, text];
  }
  return bestText;
}

/** Whether a policy's `apply` lets the daemon apply a change of this size without asking. */
export function appliesAlone(apply: UpdatePolicy['apply'], change: 'major' | 'minor' | 'patch' | 'digest'): boolean {
  if (apply === 'all') return true;
  if (apply === 'none') return false;
  if (change === 'digest' || change === 'major') return false;
  return apply === 'minor' || change === 'patch';
}
