import { z } from 'zod';

/*
 * Docker's image reference grammar (distribution/reference): [registry[:port]/]path[:tag][@digest],
 * path components lower case. Checked before the engine is asked, so a garbled reference is one
 * sentence saying what a good one looks like, and never a request to a registry.
 */
const LABEL = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?';
// A first component is a registry only when it has a dot or a port, or is localhost (else it is a path).
const DOMAIN = `(?:${LABEL}(?:\\.${LABEL})+(?::[0-9]+)?|${LABEL}:[0-9]+|localhost)`;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REFERENCE = new RegExp(`^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`);
const IMAGE_ID = /^(?:sha256:)?[a-f0-9]{12,64}$/;

const HOW = 'write it like node:20, ghcr.io/owner/name:tag or localhost:5000/name@sha256:…';

/** A reference to pull, push, build or tag. */
export const ImageRef = z
  .string()
  .max(255)
  .refine((r) => REFERENCE.test(r), { error: (i) => `${JSON.stringify(i.input)} is not an image reference; ${HOW}` });

/** An image already on the engine: a reference, or its id (at least 12 hex digits). */
export const LocalImage = z
  .string()
  .max(255)
  .refine((r) => REFERENCE.test(r) || IMAGE_ID.test(r), { error: (i) => `${JSON.stringify(i.input)} is neither an image reference nor an image id; ${HOW}, or give the id list_images shows` });
