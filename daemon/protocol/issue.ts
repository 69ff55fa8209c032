import type { z } from 'zod';

/** The first thing zod found wrong, as `path: reason` (the path left out at the top level): what a user needs to fix it. */
export function describeIssue(error: z.ZodError, top = '(top level)'): string {
  const issue = error.issues[0];
  if (!issue) return `${top}: invalid`;
  return `${issue.path.length ? issue.path.join('.') : top}: ${issue.message}`;
}
