import { z } from 'zod';
import { request, WithProgress } from './define.js';
import { ServerName } from './spec.js';

/**
 * Updates: what is newer than what runs (`updates/check`), a tested swap with automatic rollback
 * (`updates/apply`), going back (`updates/rollback`), and what an image is made of (`updates/scan`).
 */

/** How big a change is: semver's parts for npm versions, `digest` for an image whose tag moved. */
export const UpdateChange = z.enum(['patch', 'minor', 'major', 'digest']);
export type UpdateChange = z.infer<typeof UpdateChange>;

export const ToolDiff = z.object({ added: z.array(z.string()), removed: z.array(z.string()) });
export type ToolDiff = z.infer<typeof ToolDiff>;

/** One server's answer to "is there something newer?". */
export const UpdateCheck = z.object({
  name: z.string(),
  /** Where the version comes from: an npm package, a registry image's tag, or nothing Berth can ask. */
  source: z.enum(['npm', 'image', 'none']),
  current: z.string().optional(),
  available: z.string().optional(),
  change: UpdateChange.optional(),
  /** One sentence: why nothing could be asked, or what the registry said. */
  note: z.string().optional(),
  /** Tools a throwaway start of the available version adds and drops (`--tools`). */
  tools: ToolDiff.optional(),
  checkedAt: z.number(),
});
export type UpdateCheck = z.infer<typeof UpdateCheck>;

/** What `berth status`, the tree and the status bar show: an update the last check found. */
export const AvailableUpdate = z.object({ current: z.string(), available: z.string(), change: UpdateChange, checkedAt: z.number() });
export type AvailableUpdate = z.infer<typeof AvailableUpdate>;

export const UpdatesCheck = request(
  'updates/check',
  z.object({ names: z.array(ServerName).max(500).optional(), tools: z.boolean().optional(), ...WithProgress }).strict(),
  z.array(UpdateCheck),
);

export const UpdateOutcome = z.enum(['updated', 'current', 'confirm', 'test-failed', 'rolled-back', 'failed']);
export type UpdateOutcome = z.infer<typeof UpdateOutcome>;

export const UpdateResult = z.object({
  name: z.string(),
  outcome: UpdateOutcome,
  from: z.string().optional(),
  to: z.string().optional(),
  tools: ToolDiff.optional(),
  /** One sentence: what happened and, when it did not go through, why. */
  message: z.string(),
});
export type UpdateResult = z.infer<typeof UpdateResult>;

export const UpdatesApply = request(
  'updates/apply',
  z
    .object({
      names: z.array(ServerName).max(500).optional(),
      all: z.boolean().optional(),
      /** Swap even when the new version adds tools that pinning would hold back (they are approved), or differs from its tool snapshot. */
      yes: z.boolean().optional(),
      /** Scenario files (absolute paths) whose server is being updated: run against the new version before the swap. */
      tests: z.array(z.string().min(1).max(4096).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path')).max(1000).optional(),
      ...WithProgress,
    })
    .strict()
    .refine((p) => (p.all === true) !== (p.names !== undefined && p.names.length > 0), 'give server names or all, not both'),
  z.array(UpdateResult),
);

export const UpdatesRollback = request(
  'updates/rollback',
  z.object({ name: ServerName, to: z.string().max(200).optional(), ...WithProgress }).strict(),
  UpdateResult,
);

export const ScanPackage = z.object({ name: z.string(), version: z.string(), licenses: z.array(z.string()) });
export const ScanResult = z.object({
  name: z.string(),
  image: z.string(),
  /** The image's digest: a registry's manifest digest, else the local image id. */
  digest: z.string().optional(),
  /** Where its bill of materials sits in the image (its `berth.sbom` label); absent when it carries none (not built by Berth from npm). */
  sbom: z.string().optional(),
  packages: z.array(ScanPackage),
  hardening: z.array(z.string()),
  /** Known-vulnerable packages, or why no advisory source could say: never an empty answer passed off as "none". */
  advisories: z.union([z.object({ available: z.literal(true), findings: z.array(z.string()) }), z.object({ available: z.literal(false), reason: z.string() })]),
});
export type ScanResult = z.infer<typeof ScanResult>;

export const UpdatesScan = request('updates/scan', z.object({ name: ServerName }).strict(), ScanResult);
