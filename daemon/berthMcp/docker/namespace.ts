import { z } from 'zod';
import { LABEL } from '../../servers/labels.js';
import { ObjectName } from './engine.js';

/*
 * Berth finds its own networks, volumes, containers and images again by name and by label. An
 * agent that could make one under such a name (berth-<instance>-<server>-egress) or with such a
 * label would have Berth reuse it as its own: an open network where an allowlist was promised, a
 * container adopted as a server and handed its secrets. So these names and labels are Berth's.
 */

/** Names Berth gives what it makes: `berth-…` containers and networks, `berth/…` images. */
const BERTH_NAME = /^berth[-_.]/i;

/** A container, network or volume name an agent may give: Docker's rule, outside Berth's namespace. */
export const AgentObjectName = ObjectName.refine((n) => !BERTH_NAME.test(n), 'must not start with "berth-" (or "berth_", "berth."): those names are Berth\'s own');

/** Why an image reference is Berth's to make (its repository is `berth/…` or `berth-…`), or undefined. */
export function berthImageName(ref: string): string | undefined {
  const first = ref.split('/')[0] ?? '';
  // A registry host (a dot, a port, localhost) is not part of the name Berth looks images up by.
  const path = ref.includes('/') && (/[.:]/.test(first) || first === 'localhost') ? ref.slice(first.length + 1) : ref;
  if (/^berth(\/|[-_.])/i.test(path)) return `${ref} is in Berth's own image namespace (berth/…, berth-…); tag it under another name`;
  return undefined;
}

/** The labels by which Berth recognises its servers' containers and networks; an image carrying one would lend them to every container made from it. */
const IDENTITY = [LABEL.instance, LABEL.server, LABEL.specHash, LABEL.host, LABEL.egressFor, LABEL.testRun] as const;

/** The identity labels of Berth's that these labels carry (an image's, inherited by its containers). */
export function berthIdentityLabels(labels: Record<string, string>): string[] {
  return IDENTITY.filter((k) => labels[k] !== undefined);
}

export const ImageLabels = z.object({ Config: z.object({ Labels: z.record(z.string(), z.string()).nullish() }).nullish() });
