/**
 * Well-known secret formats, found in tool arguments and results. Each pattern is anchored on a
 * vendor prefix or structure so ordinary text does not match; a match is reported with the value
 * cut to its prefix (`AKIA…[redacted]`), never in full.
 */
export interface SecretFormat {
  kind: string;
  re: RegExp;
  /** How many leading characters identify the format without revealing the secret. */
  keep: number;
}

export const SECRET_FORMATS: SecretFormat[] = [
  { kind: 'AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g, keep: 4 },
  { kind: 'AWS secret access key', re: /\baws_secret_access_key\s*[=:]\s*["']?[A-Za-z0-9/+=]{40}\b/gi, keep: 21 },
  { kind: 'GitHub token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/g, keep: 4 },
  { kind: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g, keep: 11 },
  { kind: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}\b/g, keep: 6 },
  { kind: 'Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g, keep: 5 },
  { kind: 'Slack webhook', re: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]{20,}/g, keep: 33 },
  { kind: 'Stripe secret key', re: /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/g, keep: 8 },
  { kind: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g, keep: 4 },
  { kind: 'OpenAI API key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b/g, keep: 3 },
  { kind: 'Anthropic API key', re: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}\b/g, keep: 7 },
  { kind: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/g, keep: 4 },
  { kind: 'private key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----|$)/g, keep: 10 },
  { kind: 'JSON Web Token', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, keep: 3 },
];

/** Env names that say they hold a secret: such a name with a value in a catalog's defaults or a client's entry is a secret in plain sight. */
export const SECRET_ENV_NAME = /(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;

export interface SecretMatch {
  kind: string;
  /** Where in a JSON value: `$`, `$.a.b[0]`. */
  path: string;
  redacted: string;
}

export function redactMatch(value: string, keep: number): string {
  return `${value.slice(0, keep)}…[redacted]`;
}

/** Matches of every known format in one string. */
export function scanText(text: string, path = '$'): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const f of SECRET_FORMATS) {
    for (const m of text.matchAll(f.re)) out.push({ kind: f.kind, path, redacted: redactMatch(m[0], f.keep) });
  }
  return out;
}

/**
 * Matches in every string (keys too) of a JSON-shaped value, however deep: walked with a stack of
 * its own, not recursion, so no nesting depth is too deep to scan (JSON has no cycles).
 */
export function scanValue(value: unknown, path = '$'): SecretMatch[] {
  const out: SecretMatch[] = [];
  // Pushed in reverse, so matches come out in document order: a key, then what it holds.
  const todo: { v: unknown; at: string; key?: true }[] = [{ v: value, at: path }];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const { v, at, key } = next;
    if (typeof v === 'string') out.push(...scanText(v, at));
    if (key) continue;
    if (Array.isArray(v)) for (let i = v.length - 1; i >= 0; i--) todo.push({ v: v[i] as unknown, at: `${at}[${i}]` });
    else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v as Record<string, unknown>).reverse()) todo.push({ v: item, at: `${at}.${k}` }, { v: k, at: `${at}.${k}`, key: true });
    }
  }
  return out;
}

/** Text with every match of a known format replaced by its redacted form. */
export function redactFormats(text: string): string {
  let out = text;
  for (const f of SECRET_FORMATS) out = out.replace(f.re, (m) => redactMatch(m, f.keep));
  return out;
}

/** One sentence naming what was found and where, values redacted. */
export function describeMatches(what: string, matches: SecretMatch[]): string {
  const list = matches.slice(0, 3).map((m) => `${m.kind} ${m.redacted} at ${m.path}`).join(', ');
  const more = matches.length > 3 ? ` and ${matches.length - 3} more` : '';
  return `${what} contains what looks like a secret (${list}${more})`;
}
