import type { AttachedStdio, ContainerRuntime } from '../hosts/runtime.js';
import { BACKFILL_OVERLAP_MS, unstoredLines } from '../logs/backfill.js';
import type { LogStore } from '../logs/store.js';
import { ensureEgress, removeEgress } from '../network/egress.js';
import type { ServerSpec } from '../protocol/spec.js';
import { LABEL } from './labels.js';

/** A container of this server that Berth lost track of: reused, so there are never two. */
export async function findOwnContainer(rt: ContainerRuntime, instance: string, server: string): Promise<string | undefined> {
  const [found] = await rt.listManaged({ [LABEL.managed]: 'true', [LABEL.instance]: instance, [LABEL.server]: server });
  return found?.id;
}

/**
 * Container `id` if it is still there, made for this spec (`hash`) and from this image (`imageId`):
 * one made for another spec, or from an image since rebuilt under the same tag, is removed.
 */
export async function reusableContainer(rt: ContainerRuntime, id: string | undefined, hash: string, imageId: string, log: (text: string) => void): Promise<string | undefined> {
  if (!id) return undefined;
  const info = await rt.inspect(id);
  if (info && info.labels[LABEL.specHash] === hash && info.image === imageId) return id;
  if (info) {
    log(info.labels[LABEL.specHash] === hash ? `its image was rebuilt (${shortId(info.image)} → ${shortId(imageId)}); recreating the container` : 'spec changed; recreating the container');
    await rt.remove(id);
  }
  return undefined;
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/**
 * An allowlisted server's network and proxy, made to match the spec before the container starts;
 * a server leaving the allowlist mode gets rid of them when its container is made anew. Gives the
 * attached output of the proxy, if there is one.
 */
export async function prepareNetwork(
  rt: ContainerRuntime,
  instance: string,
  spec: ServerSpec,
  creating: boolean,
  progress: (line: string) => void,
): Promise<AttachedStdio | undefined> {
  if (typeof spec.network === 'string') {
    if (creating) await removeEgress(rt, instance, spec.name);
    return undefined;
  }
  const proxy = await ensureEgress(rt, { instance, server: spec.name, host: spec.host, allow: spec.network.allow }, progress);
  // Attached before it starts, so its first line (what it listens on, what it allows) is in the log.
  const attached = await rt.attach(proxy.id);
  if (!proxy.running) await rt.start(proxy.id);
  return attached;
}

/** Lines an adopted server wrote while no daemon was attached to it. */
export async function backfillLogs(rt: ContainerRuntime, logs: LogStore, server: string, id: string, untilMs: number): Promise<void> {
  const last = await logs.lastTimestamp(server);
  if (last === undefined) return;
  const since = last - BACKFILL_OVERLAP_MS;
  const stored = (await logs.query(server, { since })).filter((l) => l.stream === 'stderr').map((l) => l.text);
  for (const line of unstoredLines(stored, await rt.stderrBetween(id, since, untilMs), last)) logs.append(server, 'stderr', line.text, line.t);
}
