import { z } from 'zod';

/**
 * The one shape of a name Berth gives things (servers, hosts). Docker container names allow more,
 * but Berth names also become file names, label values and gateway URL paths.
 */
export const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9, "_", "." or "-", starting with a letter or digit');

/** A secret's name: an env-variable-shaped word, so no path characters or wildcards ever get in. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const SecretName = z.string().regex(SECRET_NAME, 'must be 1-64 letters, digits or "_", not starting with a digit (no paths, dots or wildcards)');
