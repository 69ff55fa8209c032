import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pack } from 'tar-fs';
import { z } from 'zod';
import * as images from '../../hosts/dockerImages.js';
import { LOCAL_HOST } from '../../protocol/hosts.js';
import { LABEL } from '../../servers/labels.js';
import { cutNote, firstItems } from '../bounded.js';
import { defineTool, ToolFailure, type ToolRun } from '../tool.js';
import { AGENT_LABELS, checkHostPath, engineCall, engineOf, Labels, ownerOf, shortId, statusCode } from './engine.js';
import { refuseDockerfile } from './dockerfileCheck.js';
import { ImageRef, LocalImage } from './imageRef.js';
import { berthIdentityLabels, berthImageName } from './namespace.js';

/*
 * Images are shared by everything on an engine, so every scope lists them all. In the managed
 * scope only images these tools built (labelled berth.managed) may be removed; images Berth builds
 * for its servers carry no such label and are never removed here.
 */

const ListedImage = z.object({ Id: z.string(), RepoTags: z.array(z.string()).nullish(), Created: z.number(), Size: z.number(), Labels });
const Image = z.object({ id: z.string(), tags: z.array(z.string()), created: z.string(), sizeBytes: z.number(), madeByAgent: z.boolean() });

export const listImages = defineTool({
  name: 'list_images',
  title: 'List images',
  description: 'Lists the images on a host (tagged ones unless all is set), newest first.',
  input: z.object({
    reference: z.string().max(255).optional().describe('Only images matching this reference pattern, e.g. "node" or "berth/*"'),
    all: z.boolean().default(false).describe('Include untagged images'),
    limit: z.number().int().min(1).max(500).default(100),
  }),
  output: z.object({ images: z.array(Image), total: z.number(), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    const raw = await engineCall('listing images', () => docker.listImages({ all: args.all, filters: args.reference ? { reference: [args.reference] } : {} }));
    const all = z
      .array(ListedImage)
      .parse(raw)
      .filter((i) => args.all || (i.RepoTags ?? []).some((t) => t !== '<none>:<none>'))
      .sort((a, b) => b.Created - a.Created)
      .map((i) => ({ id: shortId(i.Id), tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), created: new Date(i.Created * 1000).toISOString(), sizeBytes: i.Size, madeByAgent: ownerOf(i.Labels) === 'agent' }));
    const { value, truncated } = firstItems(all, args.limit);
    const rows = value.map((i) => `${i.id}  ${i.tags.join(', ') || '<untagged>'}  ${(i.sizeBytes / 1e6).toFixed(0)} MB`);
    return {
      structured: { images: value, total: all.length, truncated },
      text: [`${all.length} image(s) on host ${run.host}${all.length ? ':' : '.'}`, ...rows, ...(truncated ? [cutNote('the list', 'raise limit or give a reference')] : [])].join('\n'),
    };
  },
});

const Inspected = z.object({
  Id: z.string(),
  RepoTags: z.array(z.string()).nullish(),
  RepoDigests: z.array(z.string()).nullish(),
  Created: z.string(),
  Size: z.number(),
  Architecture: z.string(),
  Os: z.string(),
  Config: z
    .object({
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      WorkingDir: z.string().optional(),
      User: z.string().optional(),
      Env: z.array(z.string()).nullish(),
      ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
      Labels,
    })
    .nullish(),
});

async function findImage(run: ToolRun, ref: string): Promise<z.infer<typeof Inspected>> {
  const docker = engineOf(run);
  const raw = await engineCall(`inspecting image ${ref}`, () =>
    docker.getImage(ref).inspect().catch((e: unknown) => {
      if (statusCode(e) === 404) throw new ToolFailure(`there is no image ${ref} on host ${run.host}; list_images shows what is there, pull_image or build_image adds one`);
      throw e;
    }),
  );
  return Inspected.parse(raw);
}

export const inspectImage = defineTool({
  name: 'inspect_image',
  title: 'Inspect an image',
  description: 'Shows one image: tags, digests, size, platform, entrypoint and command, working folder, user, exposed ports, labels and the names of its environment variables.',
  input: z.object({ image: LocalImage }),
  output: z.object({
    id: z.string(),
    tags: z.array(z.string()),
    digests: z.array(z.string()),
    created: z.string(),
    sizeBytes: z.number(),
    platform: z.string(),
    entrypoint: z.array(z.string()),
    cmd: z.array(z.string()),
    workingDir: z.string(),
    user: z.string(),
    envNames: z.array(z.string()),
    exposedPorts: z.array(z.string()),
    labels: z.record(z.string(), z.string()),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
  async run(args, run) {
    const i = await findImage(run, args.image);
    const structured = {
      id: i.Id,
      tags: i.RepoTags ?? [],
      digests: i.RepoDigests ?? [],
      created: i.Created,
      sizeBytes: i.Size,
      platform: `${i.Os}/${i.Architecture}`,
      entrypoint: i.Config?.Entrypoint ?? [],
      cmd: i.Config?.Cmd ?? [],
      workingDir: i.Config?.WorkingDir ?? '',
      user: i.Config?.User ?? '',
      envNames: (i.Config?.Env ?? []).map((e) => e.split('=')[0] ?? ''),
      exposedPorts: Object.keys(i.Config?.ExposedPorts ?? {}),
      labels: i.Config?.Labels ?? {},
    };
    return {
      structured,
      text: `Image ${structured.tags.join(', ') || shortId(i.Id)} on host ${run.host}: ${(i.Size / 1e6).toFixed(0)} MB, ${structured.platform}, runs ${JSON.stringify([...structured.entrypoint, ...structured.cmd])} as ${structured.user || 'root'}.`,
    };
  },
});

/** Progress lines at most a few a second: a pull reports every chunk of every layer. */
function throttled(run: ToolRun): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    run.progress(line);
  };
}

export const pullImage = defineTool({
  name: 'pull_image',
  title: 'Pull an image',
  description: 'Pulls an image from its registry onto a host, with progress. Credentials are the engine\'s own.',
  input: z.object({ image: ImageRef }),
  output: z.object({ image: z.string(), id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  async run(args, run) {
    const docker = engineOf(run);
    run.progress(`pulling ${args.image} on host ${run.host}`);
    await engineCall(`pulling ${args.image} on host ${run.host}`, () =>
      images.pull(docker, args.image, throttled(run)).catch((e: Error) => {
        throw new Error((e.message.split(': ').slice(1).join(': ') || e.message).replace(/\.$/, ''));
      }),
    );
    const i = await findImage(run, args.image);
    return { structured: { image: args.image, id: i.Id }, text: `Pulled ${args.image} (${shortId(i.Id)}) on host ${run.host}.` };
  },
});

export const buildImage = defineTool({
  name: 'build_image',
  title: 'Build an image',
  description:
    'Builds an image from a folder on the machine Berth runs on that holds a Dockerfile at its top (the whole folder is the build context; .dockerignore is not read), with progress. The Dockerfile may ADD only files of the folder (no URLs). A tag may name a new image or one these tools built, never an image a server of Berth\'s names or one made another way. The image is labelled as made by Berth\'s tools, so it may be removed again in the managed scope. Off unless enabled by name.',
  input: z.object({
    path: z.string().min(1).max(4096).describe('An absolute path to the folder, inside a workspace folder or a mount root; folders that hold credentials, system files or Berth\'s own are refused'),
    tag: ImageRef.describe('The reference to tag the image with, e.g. my-tool:1'),
  }),
  output: z.object({ image: z.string(), id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false },
  optIn: true,
  async run(args, run) {
    const ours = berthImageName(args.tag);
    if (ours) throw new ToolFailure(`${ours}; nothing was built`);
    const folder = checkHostPath(args.path, run, LOCAL_HOST, 'build folder');
    const st = await stat(folder).catch(() => undefined);
    if (!st?.isDirectory()) throw new ToolFailure(`there is no folder at ${args.path}; give the folder that holds the Dockerfile`);
    const dockerfile = path.join(folder, 'Dockerfile');
    const df = await stat(dockerfile).catch(() => undefined);
    if (!df?.isFile()) throw new ToolFailure(`${args.path} holds no Dockerfile; give the folder that holds one`);
    if (df.size > MAX_DOCKERFILE_BYTES) throw new ToolFailure(`the Dockerfile in ${args.path} is over ${MAX_DOCKERFILE_BYTES / 1024} KiB; nothing was built`);
    const why = refuseDockerfile(await readFile(dockerfile, 'utf8'));
    if (why) throw new ToolFailure(`the Dockerfile in ${args.path} is refused: ${why}; nothing was built`);
    await refuseForeignTag(run, args.tag);
    const docker = engineOf(run);
    run.progress(`building ${args.tag} on host ${run.host}`);
    const context = Readable.from(pack(folder) as AsyncIterable<Buffer>);
    const progress = throttled(run);
    await engineCall(`building ${args.tag} on host ${run.host}`, () =>
      images.build(docker, context, args.tag, progress, AGENT_LABELS).catch((e: Error) => {
        throw new Error(e.message.replace(/^cannot build [^:]+: /, '').replace(/\.$/, ''));
      }),
    );
    const i = await findImage(run, args.tag);
    const identity = berthIdentityLabels(i.Config?.Labels ?? {});
    if (identity.length) {
      // Its containers would inherit the labels Berth knows its servers by.
      await engineCall(`removing ${args.tag} again`, () => docker.getImage(i.Id).remove({ force: true }));
      throw new ToolFailure(`the image built as ${args.tag} carries Berth's own label(s) ${identity.join(', ')} (set in its Dockerfile or inherited from its FROM image), so it was removed again; build from another base, without those labels`);
    }
    return { structured: { image: args.tag, id: i.Id }, text: `Built ${args.tag} (${shortId(i.Id)}) on host ${run.host}.` };
  },
});

/** Whether two references name the same tag (`postgres` is `docker.io/library/postgres:latest`). */
function sameRef(a: string, b: string): boolean {
  const norm = (r: string) => {
    const noDigest = r.split('@')[0] ?? r;
    const tagged = /:[^/]+$/.test(noDigest) ? noDigest : `${noDigest}:latest`;
    return tagged.replace(/^(?:docker\.io\/|index\.docker\.io\/)?(?:library\/)?/, '').toLowerCase();
  };
  return norm(a) === norm(b);
}

/** An agent's Dockerfile is a few KiB; more is not one to read whole. */
const MAX_DOCKERFILE_BYTES = 256 * 1024;

/**
 * A tag may be reused only for an image these tools built and no server of Berth's names: moving
 * any other tag would swap what a server (or the user's own `docker run postgres:16`) runs.
 */
async function refuseForeignTag(run: ToolRun, tag: string): Promise<void> {
  const named = run.deps.registry.all().filter((s) => s.spec.image !== undefined && sameRef(s.spec.image, tag));
  if (named.length) throw new ToolFailure(`${tag} is the image of Berth's MCP server "${named[0]?.name ?? ''}", and build_image never moves a server's tag; tag your image under another name; nothing was built`);
  const raw = await engineCall(`looking for image ${tag}`, () =>
    engineOf(run)
      .getImage(tag)
      .inspect()
      .catch((e: unknown) => {
        if (statusCode(e) === 404) return undefined;
        throw e;
      }),
  );
  if (raw === undefined) return;
  const labels = Inspected.parse(raw).Config?.Labels ?? {};
  if (labels[LABEL.createdBy] !== AGENT_LABELS[LABEL.createdBy]) {
    throw new ToolFailure(`${tag} already names an image on host ${run.host} that build_image did not make, and build_image never moves such a tag; tag your image under another name; nothing was built`);
  }
}

export const pushImage = defineTool({
  name: 'push_image',
  title: 'Push an image',
  description: 'Pushes an image on a host to the registry its reference names (replacing what that tag pointed to there), with progress. Credentials are the engine\'s own.',
  input: z.object({ image: ImageRef }),
  output: z.object({ image: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  precheck: async (args, run) => void (await findImage(run, args.image)),
  confirm: (args, host) => `Push ${args.image} from host ${host} to its registry, replacing what that tag points to there?`,
  async run(args, run) {
    await findImage(run, args.image);
    const docker = engineOf(run);
    run.progress(`pushing ${args.image} from host ${run.host}`);
    const progress = throttled(run);
    await engineCall(`pushing ${args.image} from host ${run.host}`, async () => {
      // The engine wants an auth header even when its own credentials are the ones to use.
      const stream = await docker.getImage(args.image).push({ authconfig: {} });
      await new Promise<void>((resolve, reject) => {
        let failure: string | undefined;
        docker.modem.followProgress(
          stream,
          (err) => (err ? reject(err) : failure ? reject(new Error(failure)) : resolve()),
          (e: { status?: string; error?: string; errorDetail?: { message?: string } }) => {
            const message = e.errorDetail?.message ?? e.error;
            if (message) failure ??= message.trim();
            else if (e.status) progress(e.status);
          },
        );
      });
    });
    return { structured: { image: args.image }, text: `Pushed ${args.image} from host ${run.host}.` };
  },
});

export const removeImage = defineTool({
  name: 'remove_image',
  title: 'Remove an image',
  description: 'Removes an image (or one tag of it) from a host. In the managed scope only images built with build_image may be removed. An image a container uses is refused unless force is set.',
  input: z.object({ image: LocalImage, force: z.boolean().default(false) }),
  output: z.object({ image: z.string(), untagged: z.array(z.string()), deleted: z.array(z.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
  precheck: async (args, run) => void (await findImage(run, args.image)),
  confirm: (args, host) => `Remove image ${args.image} from host ${host}?`,
  async run(args, run) {
    const i = await findImage(run, args.image);
    const labels = i.Config?.Labels ?? {};
    if (run.settings.scope === 'managed' && labels[LABEL.managed] !== 'true') {
      throw new ToolFailure(`image ${args.image} was not built with build_image, and in the managed scope only those may be removed; nothing was changed (the "all" scope lifts this)`);
    }
    const docker = engineOf(run);
    const raw: unknown = await engineCall(`removing image ${args.image}`, () => docker.getImage(args.image).remove({ force: args.force }));
    const answer = z.array(z.object({ Untagged: z.string().optional(), Deleted: z.string().optional() })).parse(raw);
    const untagged = answer.flatMap((a) => (a.Untagged ? [a.Untagged] : []));
    const deleted = answer.flatMap((a) => (a.Deleted ? [shortId(a.Deleted)] : []));
    return { structured: { image: args.image, untagged, deleted }, text: `Removed image ${args.image} from host ${run.host}: ${untagged.length} tag(s) untagged, ${deleted.length} layer(s) deleted.` };
  },
});
