import { z } from 'zod';

/**
 * Alert rules, as a spec file may write them under `alerts:`: each rule is on with its defaults,
 * tuned by giving some of its fields, or off with `false`. Windows are in seconds.
 */
const Percent = z.number().gt(0).max(100);
const Seconds = z.number().min(1).max(86_400);
const MinCalls = z.number().int().min(1).max(1_000_000);
const rule = <T extends z.ZodRawShape>(shape: T) => z.union([z.literal(false), z.object(shape).partial().strict()]);

const ruleShapes = {
  /** CPU over `percent` of its limit (`limits.cpus`) for `forSeconds`. */
  cpu: { percent: Percent, forSeconds: Seconds },
  /** Memory over `percent` of its limit for `forSeconds`. */
  memory: { percent: Percent, forSeconds: Seconds },
  /** More than `count` restarts (after crashes or failed health checks) within `withinSeconds`. */
  restarts: { count: z.number().int().min(0).max(10_000), withinSeconds: Seconds },
  /** Not healthy for `forSeconds`: not answering pings, starting, exited, OOM-killed or in error (stopped or being built does not count). */
  unhealthy: { forSeconds: Seconds },
  /** At least `percent` of tool calls failed (errors and tools answering isError) within `withinSeconds`, once `minCalls` were made. */
  errorRate: { percent: Percent, minCalls: MinCalls, withinSeconds: Seconds },
  /** The 95th percentile of tool-call latency at or over `p95Ms` within `withinSeconds`, once `minCalls` were made. */
  latency: { p95Ms: z.number().min(1).max(86_400_000), minCalls: MinCalls, withinSeconds: Seconds },
};

export const AlertsSpecInput = z
  .object({
    cpu: rule(ruleShapes.cpu),
    memory: rule(ruleShapes.memory),
    restarts: rule(ruleShapes.restarts),
    unhealthy: rule(ruleShapes.unhealthy),
    errorRate: rule(ruleShapes.errorRate),
    latency: rule(ruleShapes.latency),
  })
  .partial()
  .strict();
export type AlertsSpecInput = z.infer<typeof AlertsSpecInput>;

export const ALERT_DEFAULTS = {
  cpu: { percent: 90, forSeconds: 300 },
  memory: { percent: 90, forSeconds: 60 },
  restarts: { count: 3, withinSeconds: 600 },
  unhealthy: { forSeconds: 60 },
  errorRate: { percent: 50, minCalls: 10, withinSeconds: 300 },
  latency: { p95Ms: 10_000, minCalls: 10, withinSeconds: 300 },
} as const;

const resolved = <T extends z.ZodRawShape>(shape: T) => z.union([z.literal(false), z.object(shape).strict()]);
/** The rules of one server, every field present (`false`: the rule is off). */
export const AlertRules = z
  .object({
    cpu: resolved(ruleShapes.cpu),
    memory: resolved(ruleShapes.memory),
    restarts: resolved(ruleShapes.restarts),
    unhealthy: resolved(ruleShapes.unhealthy),
    errorRate: resolved(ruleShapes.errorRate),
    latency: resolved(ruleShapes.latency),
  })
  .strict();
export type AlertRules = z.infer<typeof AlertRules>;
export const AlertRule = AlertRules.keyof();
export type AlertRule = z.infer<typeof AlertRule>;

/** A spec's `alerts:` over the defaults: a rule given as an object keeps the defaults of the fields it leaves out. */
export function resolveAlerts(input: AlertsSpecInput | undefined): AlertRules {
  const out = {} as Record<AlertRule, unknown>;
  for (const key of AlertRule.options) {
    const given = input?.[key];
    out[key] = given === false ? false : { ...ALERT_DEFAULTS[key], ...given };
  }
  return AlertRules.parse(out);
}

export const Alert = z.object({
  id: z.string(),
  server: z.string(),
  rule: AlertRule,
  /** One sentence: what crossed which threshold. */
  message: z.string(),
  firedAt: z.number(),
  /** Absent while the alert is open. */
  clearedAt: z.number().optional(),
});
export type Alert = z.infer<typeof Alert>;

export const AlertsState = z.object({ open: z.array(Alert), recent: z.array(Alert) });
export type AlertsState = z.infer<typeof AlertsState>;
