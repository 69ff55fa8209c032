import { z } from 'zod';

/**
 * The one shape of a name Berth gives things (servers, hosts). Docker container names allow more,
 * but Berth names also become file names, label values and gateway URL paths.
 */
export const Name = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'must be 1-63 characters of a-z, 0-9, "_", "." or "-", starting with a letter or digit');
