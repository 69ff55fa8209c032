import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import * as tarStream from 'tar-stream';
import type { ContainerRuntime } from '../hosts/runtime.js';

/**
 * The image every npm-built MCP server starts FROM. No registry is assumed to be reachable, so
 * it is made from the Node runtime the daemon itself runs on: that binary, the shared
 * libraries it links, and just enough of /etc for a non-root user. The result has no shell and
 * no package manager, which is also what a server image should look like.
 */

export const MCP_UID = 10001;
/** The home of the image's user, owned by it: a volume mounted there starts owned by it too. */
export const MCP_HOME = '/home/mcp';

const CHANGES = ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'WORKDIR /app', `USER ${MCP_UID}:${MCP_UID}`];

const PASSWD = `root:x:0:0:root:/root:/sbin/nologin\nmcp:x:${MCP_UID}:${MCP_UID}:mcp:/home/mcp:/sbin/nologin\n`;
const GROUP = `root:x:0:\nmcp:x:${MCP_UID}:\n`;

/** Fixed so that two builds of the same runtime produce the same layer contents. */
const EPOCH = new Date(0);

type RootfsEntry =
  | { kind: 'dir'; name: string; mode: number; uid: number }
  | { kind: 'file'; name: string; source: string; mode: number; size: number }
  | { kind: 'text'; name: string; content: string; mode: number }
  | { kind: 'symlink'; name: string; target: string };

export function baseImageRef(): string {
  return `berth/node-base:${process.version.replace(/^v/, '')}`;
}

/** Returns the base image ref, importing the image from the local Node runtime when it is missing. */
export async function ensureBaseImage(
  rt: Pick<ContainerRuntime, 'imageExists' | 'pull' | 'importRootfs'>,
  onProgress: (line: string) => void,
): Promise<string> {
  const ref = baseImageRef();
  if (await rt.imageExists(ref)) return ref;
  onProgress(`creating ${ref} from the local Node runtime (${process.execPath})`);
  const entries = await planRootfs(await realpath(process.execPath));
  onProgress(`importing ${entries.filter((e) => e.kind === 'file').length} files`);
  await rt.importRootfs(packRootfs(entries), ref, CHANGES);
  onProgress(`created ${ref}`);
  return ref;
}

/** Everything is looked up before the tarball starts streaming, so a missing file fails early. */
async function planRootfs(nodeBinary: string): Promise<RootfsEntry[]> {
  const symlinks = new Map<string, string>();
  const files = new Set<string>();
  for (const library of await sharedLibraries(nodeBinary)) {
    files.add(await resolveRecordingLinks(library, symlinks, 0));
  }

  const leaves: RootfsEntry[] = [await fileEntry('/usr/local/bin/node', nodeBinary)];
  for (const file of files) leaves.push(await fileEntry(file, file));
  for (const [name, target] of symlinks) leaves.push({ kind: 'symlink', name, target });
  leaves.push(
    { kind: 'text', name: '/etc/passwd', content: PASSWD, mode: 0o644 },
    { kind: 'text', name: '/etc/group', content: GROUP, mode: 0o644 },
    { kind: 'dir', name: '/tmp', mode: 0o1777, uid: 0 },
    { kind: 'dir', name: '/root', mode: 0o700, uid: 0 },
    { kind: 'dir', name: MCP_HOME, mode: 0o755, uid: MCP_UID },
    { kind: 'dir', name: '/app', mode: 0o755, uid: 0 },
  );
  return [...parentDirectories(leaves), ...leaves];
}

/** Absolute paths from `ldd` output: `libc.so.6 => /lib/.../libc.so.6 (0x...)` and the loader line. */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ldd', [binary]);
  const paths: string[] = [];
  for (const line of stdout.split('\n')) {
    if (line.includes('not found')) throw new Error(`the Node runtime needs a library that is missing: ${line.trim()}`);
    const path = /(?:=>\s*|^\s*)(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (path) paths.push(path);
  }
  return paths;
}

/**
 * The real path of `path`, recording every symlink met on the way, directory components
 * included (`/lib -> usr/lib` on merged-/usr systems), so the image has both the content and
 * every name the loader and the binary ask for.
 */
async function resolveRecordingLinks(path: string, symlinks: Map<string, string>, depth: number): Promise<string> {
  if (depth > 40) throw new Error(`too many levels of symbolic links at ${path}`);
  let current = '/';
  for (const part of path.split('/').filter(Boolean)) {
    const next = posix.join(current, part);
    if ((await lstat(next)).isSymbolicLink()) {
      const target = await readlink(next);
      symlinks.set(next, target);
      current = await resolveRecordingLinks(posix.resolve(current, target), symlinks, depth + 1);
    } else {
      current = next;
    }
  }
  return current;
}

async function fileEntry(name: string, source: string): Promise<RootfsEntry> {
  const stat = await lstat(source);
  return { kind: 'file', name, source, mode: stat.mode & 0o7777, size: stat.size };
}

/** Directories that hold the entries but are not entries themselves, parents first. */
function parentDirectories(entries: RootfsEntry[]): RootfsEntry[] {
  const explicit = new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.name));
  const parents = new Set<string>();
  for (const entry of entries) {
    for (let dir = posix.dirname(entry.name); dir !== '/'; dir = posix.dirname(dir)) {
      if (!explicit.has(dir)) parents.add(dir);
    }
  }
  return [...parents].sort().map((name) => ({ kind: 'dir', name, mode: 0o755, uid: 0 }));
}

function packRootfs(entries: RootfsEntry[]): Readable {
  const pack = tarStream.pack();
  (async () => {
    for (const entry of entries) await writeEntry(pack, entry);
    pack.finalize();
  })().catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
  // tar-stream makes streamx streams; the runtime takes a Node stream.
  return Readable.from(pack, { objectMode: false });
}

async function writeEntry(pack: tarStream.Pack, entry: RootfsEntry): Promise<void> {
  const common = { name: entry.name.replace(/^\//, ''), mtime: EPOCH, uid: 0, gid: 0 };
  switch (entry.kind) {
    case 'dir':
      return addEntry(pack, { ...common, type: 'directory', mode: entry.mode, uid: entry.uid, gid: entry.uid });
    case 'symlink':
      return addEntry(pack, { ...common, type: 'symlink', linkname: entry.target, mode: 0o777 });
    case 'text':
      return addEntry(pack, { ...common, type: 'file', mode: entry.mode }, { text: entry.content });
    case 'file':
      return addEntry(pack, { ...common, type: 'file', mode: entry.mode, size: entry.size }, { file: entry.source });
  }
}

/** Resolves once tar-stream has taken the whole entry. */
function addEntry(
  pack: tarStream.Pack,
  header: Parameters<tarStream.Pack['entry']>[0],
  body?: { text: string } | { file: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (!body) {
      pack.entry(header, done);
    } else if ('text' in body) {
      pack.entry(header, body.text, done);
    } else {
      createReadStream(body.file).once('error', reject).pipe(pack.entry(header, done));
    }
  });
}
