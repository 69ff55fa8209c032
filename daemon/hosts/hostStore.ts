import path from 'node:path';
import { z } from 'zod';
import { NewHostName } from '../protocol/hosts.js';
import { SshUrl } from './ssh/sshConfig.js';
import { writePrivateFile } from '../atomicFile.js';
import { readConfigFile } from '../configFile.js';

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
  const parsed = await readConfigFile(file, HostsFile);
  return parsed ? Object.entries(parsed.hosts).map(([name, h]) => ({ name, url: h.url })) : [];
}

/** Atomic: a crash mid-write leaves the old file. */
export async function saveHosts(file: string, hosts: StoredHost[]): Promise<void> {
  const body = { hosts: Object.fromEntries([...hosts].sort((a, b) => a.name.localeCompare(b.name)).map((h) => [h.name, { url: h.url }])) };
  writePrivateFile(file, `${JSON.stringify(body, null, 2)}\n`);
}
