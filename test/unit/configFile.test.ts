import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readConfigFile } from '../../daemon/configFile.js';

const Schema = z.object({ hosts: z.record(z.string(), z.object({ url: z.string() })) }).strict();

describe("the user's JSON configuration files", () => {
  it('reads none as absent, a good one as it is, and refuses a wrong one naming the file and the fix', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-config-'));
    const file = path.join(dir, 'hosts.json');
    expect(await readConfigFile(file, Schema)).toBeUndefined();
    await writeFile(file, '{"hosts":{"box":{"url":"ssh://me@box"}}}');
    expect(await readConfigFile(file, Schema)).toEqual({ hosts: { box: { url: 'ssh://me@box' } } });
    await writeFile(file, '{"hosts":');
    await expect(readConfigFile(file, Schema)).rejects.toThrow(new RegExp(`^${file} is not valid JSON \\(.+\\); fix or remove it$`));
    await writeFile(file, '{"hosts":{"box":{"url":7}}}');
    await expect(readConfigFile(file, Schema)).rejects.toThrow(`${file}: hosts.box.url: Invalid input: expected string, received number; fix or remove it`);
  });
});
