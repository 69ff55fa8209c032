import { z } from 'zod';
import { NetworkSpec } from './spec.js';

/**
 * What a workspace server would get from the user: the parts an approval is pinned to (its hash
 * covers exactly these). Anything else in its spec (a description, its args) may change freely.
 */
export const WorkspaceGrant = z.object({
  /** The image, or where Berth builds it from. */
  source: z.string(),
  /** Which of the user's Docker hosts it runs on. */
  host: z.string(),
  mounts: z.array(z.object({ source: z.string(), target: z.string(), readOnly: z.boolean() })),
  network: NetworkSpec,
  /** Names of the user's stored secrets it would receive. */
  secrets: z.array(z.string()),
  /** Each hardening default it relaxes, said as a person reads it (root, a writable root filesystem, raised limits). */
  relaxations: z.array(z.string()),
});
export type WorkspaceGrant = z.infer<typeof WorkspaceGrant>;

/**
 * Why a workspace server does not run: `refused` (it asks for what no workspace file may carry,
 * approved or not) or `needs-approval` (the user has not approved what it asks for, or it changed).
 */
export const ApprovalState = z.object({
  state: z.enum(['needs-approval', 'refused']),
  /** The workspace folder whose `.berth/servers.yaml` defines it. */
  folder: z.string(),
  /** One sentence: what is wrong and what to do. */
  reason: z.string(),
  /** What it would get, one line each (absent when refused). */
  asks: z.array(z.string()).optional(),
  /** The hash an approval of exactly `asks` is pinned to. */
  hash: z.string().optional(),
});
export type ApprovalState = z.infer<typeof ApprovalState>;

/** One server a `workspaces/approve` call approved, with what it now may have. */
export const ApprovedServer = z.object({ name: z.string(), asks: z.array(z.string()), hash: z.string() });
export type ApprovedServer = z.infer<typeof ApprovedServer>;
