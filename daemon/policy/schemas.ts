import { z } from 'zod';

/**
 * The spec fields of Berth's security policy. Only zod here: the protocol folder (compiled into
 * every client) and the spec schema both import it.
 */

/** A secret's name: an env-variable-shaped word, so no path characters or wildcards ever get in. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const SecretName = z.string().regex(SECRET_NAME, 'must be 1-64 letters, digits or "_", not starting with a digit (no paths, dots or wildcards)');
/** Shorter values would be redacted everywhere they appear by chance, mangling logs. */
export const MIN_SECRET_LENGTH = 6;
export const MAX_SECRET_LENGTH = 32768;

const ToolName = z.string().min(1).max(200);

/** `tools:` in a spec: which of a server's tools are offered at all. */
export const ToolPolicySpec = z
  .object({
    allow: z.array(ToolName).optional(),
    deny: z.array(ToolName).optional(),
    /** Only tools that declare `annotations.readOnlyHint: true`. */
    readOnly: z.boolean().optional(),
  })
  .strict();
