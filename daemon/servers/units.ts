/**
 * Parsers for the human-typed values in server specs and CLI flags. Each throws an
 * InvalidSpecError whose message is one sentence a user can act on: it quotes the bad value and
 * shows a good one.
 */

import { InvalidSpecError } from '../protocol/errors.js';

const q = (s: string): string => JSON.stringify(s);

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

// Binary multiples for every spelling, as Docker does (`-m 512m` and `512MB` mean the same there).
const MEMORY_UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: KIB, kb: KIB, kib: KIB,
  m: MIB, mb: MIB, mib: MIB,
  g: GIB, gb: GIB, gib: GIB,
  t: 1024 * GIB, tb: 1024 * GIB, tib: 1024 * GIB,
};

/** Docker refuses memory limits below 6 MiB; saying so here beats an engine error at start. */
const MIN_MEMORY_BYTES = 6 * MIB;

/** `512m`, `1g`, `256MiB`, `1.5g` or plain bytes → bytes. */
export function parseMemory(s: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)$/i.exec(s.trim());
  const unit = m ? MEMORY_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    throw new InvalidSpecError(`memory limit ${q(s)} is not a size; use a number with a unit, like 512m or 1g`);
  }
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) {
    throw new InvalidSpecError(`memory limit ${q(s)} is too large; use a size like 512m or 1g`);
  }
  if (bytes < MIN_MEMORY_BYTES) {
    throw new InvalidSpecError(`memory limit ${q(s)} is below Docker's minimum of 6 MiB; use a size like 512m or 1g`);
  }
  return bytes;
}

const MAX_CPUS = 64;
// Docker's own floor for --cpus; smaller values are rejected by the engine.
const MIN_CPUS = 0.01;

/** `0.5`, `2` CPUs → nanoCPUs, the unit Docker's HostConfig.NanoCpus takes. */
export function parseCpus(s: string): number {
  const t = s.trim();
  if (!/^(\d+(?:\.\d+)?|\.\d+)$/.test(t)) {
    throw new InvalidSpecError(`CPU limit ${q(s)} is not a number of CPUs; use a number like 0.5 or 2`);
  }
  const cpus = Number(t);
  if (cpus < MIN_CPUS || cpus > MAX_CPUS) {
    throw new InvalidSpecError(`CPU limit ${q(s)} is out of range; use a number from ${MIN_CPUS} to ${MAX_CPUS}, like 0.5 or 2`);
  }
  return Math.round(cpus * 1e9);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `2h`, `1d`, or combined like `1h30m` → milliseconds. A unit is required. */
export function parseDuration(s: string): number {
  const t = s.trim();
  // Whole-string check first so the part loop below cannot skip over junk.
  if (!/^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h|d))+$/.test(t)) {
    throw new InvalidSpecError(`duration ${q(s)} is not a duration; use a number with a unit (ms, s, m, h, d), like 30s or 10m`);
  }
  let ms = 0;
  for (const part of t.matchAll(/(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/g)) {
    ms += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  }
  if (!Number.isSafeInteger(Math.round(ms))) {
    throw new InvalidSpecError(`duration ${q(s)} is too long; use a duration like 30s or 10m`);
  }
  return Math.round(ms);
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `KEY=VALUE`; the value may be empty or contain `=` (only the first `=` splits). */
export function parseEnvPair(s: string): [string, string] {
  const eq = s.indexOf('=');
  if (eq < 0) {
    throw new InvalidSpecError(`environment variable ${q(s)} has no "="; use KEY=VALUE, like LOG_LEVEL=debug`);
  }
  const key = s.slice(0, eq);
  if (!ENV_KEY.test(key)) {
    throw new InvalidSpecError(
      `environment variable name ${q(key)} is not valid; use letters, digits and underscores, not starting with a digit, like LOG_LEVEL=debug`,
    );
  }
  return [key, s.slice(eq + 1)];
}

export interface VolumeMount { source: string; target: string; readOnly: boolean }

const VOLUME_EXAMPLE = 'like /home/me/notes:/data:ro';

/**
 * `SRC:DST[:ro|rw]` bind mount. Read-only unless `rw` is explicit, so a typo never grants write
 * access. `..` segments are refused outright rather than normalised: they make it too easy to
 * mount more of the host than the spec appears to.
 */
export function parseVolume(s: string): VolumeMount {
  if (s.startsWith('-')) {
    throw new InvalidSpecError(`volume ${q(s)} looks like a flag, not a mount; use SOURCE:TARGET[:ro|rw], ${VOLUME_EXAMPLE}`);
  }
  // A Windows host path (`C:\data`) carries its own colon; keep it with the source.
  const drive = /^[A-Za-z]:[\\/]/.test(s) ? s.slice(0, 2) : '';
  const parts = s.slice(drive.length).split(':');
  const source = drive + parts[0]!;
  const target = parts[1];
  const mode = parts[2];
  if (parts.length > 3) {
    throw new InvalidSpecError(`volume ${q(s)} has too many ":" separators; use SOURCE:TARGET[:ro|rw], ${VOLUME_EXAMPLE}`);
  }
  if (target === undefined || target === '') {
    throw new InvalidSpecError(`volume ${q(s)} has no container path; use SOURCE:TARGET[:ro|rw], ${VOLUME_EXAMPLE}`);
  }
  if (mode !== undefined && mode !== 'ro' && mode !== 'rw') {
    throw new InvalidSpecError(`volume ${q(s)} has mode ${q(mode)}; use ro or rw, ${VOLUME_EXAMPLE}`);
  }
  for (const p of [source, target]) {
    if (p.split(/[\\/]/).includes('..')) {
      throw new InvalidSpecError(`volume ${q(s)} contains "..", which is not allowed; use absolute paths, ${VOLUME_EXAMPLE}`);
    }
  }
  if (!source.startsWith('/') && drive === '') {
    throw new InvalidSpecError(`volume source ${q(source)} is not an absolute host path; use SOURCE:TARGET[:ro|rw], ${VOLUME_EXAMPLE}`);
  }
  if (!target.startsWith('/') || target === '/') {
    throw new InvalidSpecError(`volume target ${q(target)} is not an absolute container path below /; ${VOLUME_EXAMPLE}`);
  }
  return { source, target, readOnly: mode !== 'rw' };
}
