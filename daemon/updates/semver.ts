import semver from 'semver';
import type { UpdatePolicy } from '../protocol/updatePolicy.js';

/** A stable `major.minor.patch` version as npm publishes it; a prerelease, range or tag is none. */
export function isStableVersion(text: string): boolean {
  const v = semver.valid(text.trim());
  return v !== null && semver.prerelease(v) === null;
}

/** How big a step between two stable versions is, for update policies. */
export function changeBetween(from: string, to: string): 'major' | 'minor' | 'patch' {
  const diff = semver.diff(from, to);
  return diff === 'major' || diff === 'minor' ? diff : 'patch';
}

/**
 * The newest stable version above `current`, no newer than the `latest` dist-tag (a version
 * published under another tag, `next` say, is not offered as an update).
 */
export function newestVersion(current: string, versions: string[], latest: string | undefined): string | undefined {
  if (!isStableVersion(current)) return undefined;
  const ceiling = latest !== undefined && isStableVersion(latest) ? latest : undefined;
  const newer = versions.filter((v) => isStableVersion(v) && semver.gt(v, current) && (ceiling === undefined || semver.lte(v, ceiling)));
  return newer.length ? semver.rsort(newer)[0] : undefined;
}

/** Whether a policy's `apply` lets the daemon apply a change of this size without asking. */
export function appliesAlone(apply: UpdatePolicy['apply'], change: 'major' | 'minor' | 'patch' | 'digest'): boolean {
  if (apply === 'all') return true;
  if (apply === 'none') return false;
  if (change === 'digest' || change === 'major') return false;
  return apply === 'minor' || change === 'patch';
}
