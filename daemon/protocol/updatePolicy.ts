import { z } from 'zod';

/**
 * `update:` in a spec: when the daemon looks for a newer version of a server, and which updates
 * it may apply without asking. `manual` (the default) never looks by itself; `startup` looks once
 * when the daemon starts; `scheduled` looks every `interval`. `apply` says how far a policy may go
 * alone: `none` only reports, `patch`/`minor` apply updates no bigger than that, `all` any.
 */
const Interval = z.string().regex(/^(?:\d+(?:ms|s|m|h|d))+$/, 'must be a duration like 30s, 10m or 24h');

const updateShape = {
  policy: z.enum(['manual', 'startup', 'scheduled']),
  interval: Interval,
  apply: z.enum(['none', 'patch', 'minor', 'all']),
  /** How long a swapped-in version is watched; a failure within it rolls back by itself. */
  watchSeconds: z.number().int().min(0).max(86_400),
  /** How many previous images are kept (under tags no prune removes) to roll back to. */
  keep: z.number().int().min(1).max(20),
};

export const UpdatePolicyInput = z.object(updateShape).partial().strict();
export const UpdatePolicy = z
  .object({
    policy: updateShape.policy.default('manual'),
    interval: updateShape.interval.default('24h'),
    apply: updateShape.apply.default('none'),
    watchSeconds: updateShape.watchSeconds.default(120),
    keep: updateShape.keep.default(2),
  })
  .strict();
export type UpdatePolicy = z.infer<typeof UpdatePolicy>;
