import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import { z } from 'zod';

/**
 * Image operations of the Docker runtime: exists, digest, pull, build and import. The engine
 * answers the last three with a stream of JSON progress objects; this file turns them into
 * human lines and turns in-stream errors (which arrive after a 200 status) into rejections.
 */

/** One object of the engine's progress stream (pull, build and import share the shape). */
const progressEvent = z.object({
  stream: z.string().optional(),
  status: z.string().optional(),
  id: z.string().optional(),
  progress: z.string().optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
});
type ProgressEvent = z.infer<typeof progressEvent>;

/** What docker-modem attaches to the errors it raises for non-2xx answers. */
const modemError = z.object({
  message: z.string(),
  statusCode: z.number().optional(),
  json: z.object({ message: z.string() }).nullish(),
});

export async function imageExists(docker: Docker, ref: string): Promise<boolean> {
  return (await inspectImage(docker, ref)) !== undefined;
}

/** The registry digest when the image came from a registry, else the local image id. */
export async function imageDigest(docker: Docker, ref: string): Promise<string | undefined> {
  const info = await inspectImage(docker, ref);
  if (!info) return undefined;
  return info.RepoDigests?.[0] ?? info.Id;
}

/** The engine's own id of the image a name points to now: what a container made from it runs. */
export async function imageId(docker: Docker, ref: string): Promise<string | undefined> {
  return (await inspectImage(docker, ref))?.Id;
}

export async function imageLabels(docker: Docker, ref: string): Promise<Record<string, string> | undefined> {
  const info = await inspectImage(docker, ref);
  if (!info) return undefined;
  return z.record(z.string(), z.string()).nullish().parse(info.Config?.Labels) ?? {};
}

export async function pull(docker: Docker, ref: string, onProgress: (line: string) => void): Promise<void> {
  try {
    const stream = await docker.pull(ref);
    await followProgress(docker, stream, onProgress);
  } catch (err) {
    throw new Error(`cannot pull ${ref}: ${engineReason(err)}`, { cause: err });
  }
}

export async function tagImage(docker: Docker, ref: string, newRef: string): Promise<void> {
  const { repo, tagPart } = splitRef(newRef);
  try {
    await docker.getImage(ref).tag({ repo, tag: tagPart });
  } catch (err) {
    throw new Error(`cannot tag ${ref} as ${newRef}: ${engineReason(err)}`, { cause: err });
  }
}

/** Without `force`: an image a container still uses keeps its last name. */
export async function untagImage(docker: Docker, ref: string): Promise<void> {
  try {
    await docker.getImage(ref).remove({ noprune: false });
  } catch (err) {
    const status = modemError.safeParse(err).data?.statusCode;
    if (status === 404) return;
    throw new Error(`cannot remove image name ${ref}: ${engineReason(err)}`, { cause: err });
  }
}

/** Builds from a tar stream with a Dockerfile at its root; `labels` go on the image. */
export async function build(
  docker: Docker,
  contextTar: Readable,
  tag: string,
  onProgress: (line: string) => void,
  labels?: Record<string, string>,
): Promise<void> {
  await withSource(contextTar, async (signal) => {
    try {
      const stream = await docker.buildImage(contextTar, { t: tag, rm: true, forcerm: true, abortSignal: signal, ...(labels && { labels }) });
      await followProgress(docker, stream, onProgress);
    } catch (err) {
      throw new Error(`cannot build ${tag}: ${engineReason(err)}`, { cause: err });
    }
  });
}

/** `docker import`: `changes` are Dockerfile instructions such as `ENV PATH=...` or `USER 10001`. */
export async function importRootfs(docker: Docker, tarball: Readable, tag: string, changes: string[]): Promise<void> {
  const { repo, tagPart } = splitRef(tag);
  await withSource(tarball, async (signal) => {
    try {
      const stream = await docker.importImage(tarball, { repo, tag: tagPart, changes, abortSignal: signal });
      await followProgress(docker, stream, () => undefined);
    } catch (err) {
      throw new Error(`cannot import ${tag}: ${engineReason(err)}`, { cause: err });
    }
  });
}

async function inspectImage(docker: Docker, ref: string): Promise<Docker.ImageInspectInfo | undefined> {
  try {
    return await docker.getImage(ref).inspect();
  } catch (err) {
    if (modemError.safeParse(err).data?.statusCode === 404) return undefined;
    throw new Error(`cannot inspect image ${ref}: ${engineReason(err)}`, { cause: err });
  }
}

/**
 * Runs an upload whose body is `source`. docker-modem pipes the source into the request but
 * ignores its errors, so a failing source would leave the request hanging: abort it instead.
 */
async function withSource(source: Readable, upload: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const abort = new AbortController();
  let onError: (err: Error) => void = () => undefined;
  const sourceFailed = new Promise<never>((_, reject) => {
    onError = (err) => {
      abort.abort();
      reject(new Error(`cannot read the image contents: ${err.message}`));
    };
    source.once('error', onError);
  });
  try {
    await Promise.race([upload(abort.signal), sourceFailed]);
  } catch (err) {
    source.destroy();
    throw err;
  } finally {
    source.off('error', onError);
  }
}

function followProgress(docker: Docker, stream: NodeJS.ReadableStream, onProgress: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let failure: string | undefined;
    docker.modem.followProgress(
      stream,
      (err) => {
        if (err) reject(err);
        else if (failure !== undefined) reject(new Error(failure));
        else resolve();
      },
      (raw: unknown) => {
        const event = progressEvent.safeParse(raw);
        if (!event.success) return;
        const message = event.data.errorDetail?.message ?? event.data.error;
        if (message !== undefined) {
          failure ??= message.trim();
          return;
        }
        for (const line of describe(event.data)) onProgress(line);
      },
    );
  });
}

function describe(event: ProgressEvent): string[] {
  // Build output arrives as raw text chunks that may hold several lines, or none.
  if (event.stream !== undefined) {
    return event.stream
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line.trim() !== '');
  }
  if (event.status === undefined) return [];
  const parts = [event.id ? `${event.id}: ${event.status}` : event.status];
  if (event.progress) parts.push(event.progress);
  return [parts.join(' ')];
}

/** The engine's own words, without docker-modem's "(HTTP code 500) server error - " prefix. */
function engineReason(err: unknown): string {
  const parsed = modemError.safeParse(err);
  if (!parsed.success) return String(err);
  const text = parsed.data.json?.message ?? parsed.data.message.replace(/^\(HTTP code \d+\)[^-]*- /, '');
  return text.trim();
}

/** `name:tag` → repo and tag; a colon before the last slash belongs to a registry port. */
function splitRef(ref: string): { repo: string; tagPart: string } {
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { repo: ref.slice(0, colon), tagPart: ref.slice(colon + 1) };
  return { repo: ref, tagPart: 'latest' };
}

/** Largest file read out of an image: far above an SBOM, far below what would strain the daemon. */
const MAX_IMAGE_FILE_BYTES = 16 * 1024 * 1024;

/**
 * One file of an image, read without running it: a container is created (never started), the
 * file copied out of it, the container removed. Undefined when the image has no such file.
 */
export async function readImageFile(docker: Docker, ref: string, file: string): Promise<Buffer | undefined> {
  const container = await docker.createContainer({ Image: ref, Entrypoint: ['/berth-never-started'], Cmd: [], NetworkDisabled: true, HostConfig: { NetworkMode: 'none' } });
  try {
    let archive: NodeJS.ReadableStream;
    try {
      archive = await container.getArchive({ path: file });
    } catch (err) {
      if (modemError.safeParse(err).data?.statusCode === 404) return undefined;
      throw new Error(`cannot read ${file} from image ${ref}: ${engineReason(err)}`, { cause: err });
    }
    return await firstFileOf(archive, file);
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

function firstFileOf(archive: NodeJS.ReadableStream, file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const extract = tarStream.extract();
    let found: Buffer | undefined;
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (data: unknown) => {
        const c = data as Buffer;
        size += c.length;
        if (size > MAX_IMAGE_FILE_BYTES) return extract.destroy(new Error(`${file} is over ${MAX_IMAGE_FILE_BYTES / 1024 / 1024} MiB`));
        if (found === undefined) chunks.push(c);
      });
      stream.on('end', () => {
        if (found === undefined && header.type === 'file') found = Buffer.concat(chunks);
        next();
      });
      stream.resume();
    });
    extract.on('finish', () => (found ? resolve(found) : reject(new Error(`${file} in the image is not a file`))));
    extract.on('error', reject);
    archive.pipe(extract);
  });
}
