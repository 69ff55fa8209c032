import { z } from 'zod';
import { HostName } from './hosts.js';
import { EnvKey } from './spec.js';

/**
 * The shape of a `*.mcptest.yaml` scenario file: one server, cases of steps, expectations. The
 * daemon validates with it, and scripts/gen-schema.ts turns it into the JSON Schema the editor
 * validates and completes with, so the two never disagree.
 */

/** A `{{name}}` capture may stand anywhere a value does; these are the values a step may hold. */
const Json = z.unknown();

export const SnapshotPolicy = z.enum(['fail', 'warn', 'ignore']);
export type SnapshotPolicy = z.infer<typeof SnapshotPolicy>;

export const Expect = z
  .object({
    /** The tool result's `isError` flag. */
    isError: z.boolean().optional(),
    /** The call must fail with a JSON-RPC error (true), optionally with this code; false: it must not. */
    error: z.union([z.boolean(), z.object({ code: z.number().int().optional(), message: z.string().optional() }).strict()]).optional(),
    /** Text the result's text content (or, without text, its JSON) must contain. */
    contains: z.union([z.string(), z.array(z.string())]).optional(),
    /** A string is compared with the result's text; anything else with its structured content (or its text read as JSON). */
    equals: Json.optional(),
    /** A regular expression (RE2 syntax) the result's text must match. */
    matches: z.string().max(1000).optional(),
    /** JSONPath (`$.a.b[0]`, `$['k']`) → the value found there in the result. */
    jsonPath: z.record(z.string(), Json).optional(),
    /** The structured content must validate against the tool's declared output schema. */
    matchesOutputSchema: z.boolean().optional(),
    latencyMs: z.object({ max: z.number().positive() }).strict().optional(),
    /** For list steps: names (tools, prompts) or URIs (resources) the list must include. */
    includes: z.array(z.string()).optional(),
  })
  .strict();
export type Expect = z.infer<typeof Expect>;

export const Bench = z
  .object({
    warmup: z.number().int().min(0).max(10_000).default(0),
    iterations: z.number().int().min(1).max(1_000_000).default(100),
    concurrency: z.number().int().min(1).max(256).default(1),
  })
  .strict();
export type Bench = z.infer<typeof Bench>;

const ListAction = z.union([z.literal(true), z.object({}).strict()]);

/** What a step does: exactly one of these keys. */
export const STEP_ACTIONS = ['call', 'listTools', 'listPrompts', 'listResources'] as const;

const StepFields = {
  /** A label shown in reports; the action is used when absent. */
  name: z.string().max(200).optional(),
  call: z.string().min(1).max(200).optional(),
  args: z.record(z.string(), Json).optional(),
  listTools: ListAction.optional(),
  listPrompts: ListAction.optional(),
  listResources: ListAction.optional(),
  expect: Expect.optional(),
  /** name → JSONPath into the result; later steps use the value as `{{name}}`. */
  capture: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a word of letters, digits and "_"'), z.string()).optional(),
  bench: Bench.optional(),
};

function actions(step: Partial<Record<(typeof STEP_ACTIONS)[number], unknown>>): string[] {
  return STEP_ACTIONS.filter((a) => step[a] !== undefined);
}

export const Step = z
  .object(StepFields)
  .strict()
  .refine((s) => actions(s).length === 1, `a step needs exactly one of ${STEP_ACTIONS.join(', ')}`);
export type Step = z.infer<typeof Step>;

/** A case is a list of steps, or one step written inline beside its id. */
export const Case = z
  .object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, 'must be 1-100 letters, digits, "_", "." or "-"'), ...StepFields, steps: z.array(Step).min(1).optional() })
  .strict()
  .refine((c) => (c.steps === undefined ? actions(c).length === 1 : actions(c).length === 0 && c.args === undefined && c.expect === undefined && c.capture === undefined && c.bench === undefined), {
    message: `a case has either "steps" or exactly one of ${STEP_ACTIONS.join(', ')} inline`,
  });
export type Case = z.infer<typeof Case>;

/** `memory` (a Berth server), `image:REF` or `catalog:ID` (a throwaway one). */
export const ServerTarget = z
  .string()
  .min(1)
  .max(300)
  .refine((s) => /^(image|catalog):.+$/.test(s) || HostName.safeParse(s).success, 'must be a Berth server name, image:REF or catalog:ID');

export const Fresh = z.enum(['per-file', 'per-case', 'none']);
export type Fresh = z.infer<typeof Fresh>;

export const McpTestFile = z
  .object({
    server: ServerTarget,
    /** A new throwaway container per file or per case, or none (use the running server). Default: none for a Berth server, per-file otherwise. */
    fresh: Fresh.optional(),
    /** Run every case on each of these hosts; results side by side. Default: the server's host, or local. */
    hosts: z.array(HostName).min(1).optional(),
    /** For a throwaway server: arguments and environment of its command. */
    args: z.array(z.string().max(4096)).optional(),
    env: z.record(EnvKey, z.string().max(32768)).optional(),
    snapshot: z
      .object({ file: z.string().min(1).max(1000), breaking: SnapshotPolicy.default('fail'), additive: SnapshotPolicy.default('warn') })
      .strict()
      .optional(),
    cases: z.array(Case).min(1),
  })
  .strict()
  .refine((f) => !(f.fresh === 'none' && /^(image|catalog):/.test(f.server)), { message: 'a throwaway server (image: or catalog:) needs fresh: per-file or per-case', path: ['fresh'] });
export type McpTestFile = z.infer<typeof McpTestFile>;

/** The file name scenario files end with. */
export const MCPTEST_SUFFIX = '.mcptest.yaml';
