import type { ContainerRuntime } from './runtime.js';

/** An engine's version facts, or its error, or a "no answer" error once `ms` have passed. */
export function pingWithin(rt: ContainerRuntime, ms: number): Promise<{ version: string; apiVersion: string }> {
  return Promise.race([rt.ping(), new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms).unref())]);
}
