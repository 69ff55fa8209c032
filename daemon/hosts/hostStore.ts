import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { NewHostName } from '../protocol/hosts.js';
import { SshUrl } from './ssh/sshConfig.js';
import { writePrivateFile } from '../atomicFile.js';
import { describeIssue } from '../protocol/issue.js';

/** The hosts file in Berth's config dir: SSH hosts by name. Credentials never go here. */
const StoredUrl = z.string().superRefine((s, ctx) => {
  const r = SshUrl.safeParse(s);
  if (!r.success) ctx.addIssue({ code: 'custom', message: r.error.issues[0]?.message ?? 'not an ssh:// URL' });
});

const HostsFile = z
  .object({ hosts: z.record(NewHostName, z.object({ url: StoredUrl }).strict()).default({}) })
  .strict();

export interface StoredHost {
  name: string;
  url: string;
}

export function hostsFile(configDir: string): string {
  return path.join(configDir, 'hosts.json');
}

export async function loadHosts(file: string): Promise<StoredHost[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${file} cannot be read: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = HostsFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`${file}: ${describeIssue(parsed.error)}`);
  }
  return Object.entries(parsed.data.hosts).map(([name, h]) => ({ name, url: h.url }));
}

/** Atomic: a crash mid-write leaves the old file. */
export async function saveHosts(file: string, hosts: StoredHost[]): Promise<void> {
  const body = { hosts: Object.fromEntries([...hosts].sort((a, b) => a.name.localeCompare(b.name)).map((h) => [h.name, { url: h.url }])) };
  writePrivateFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
