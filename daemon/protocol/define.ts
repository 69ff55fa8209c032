import { z } from 'zod';

/**
 * How a method of the daemon API is defined: its name and the schemas of its params and result.
 * Every client compiles these in; the daemon validates each incoming params object against them.
 */
export interface RequestDef<P extends z.ZodType, R extends z.ZodType> {
  method: string;
  params: P;
  result: R;
}
export interface NotificationDef<P extends z.ZodType> {
  method: string;
  params: P;
}

export const request = <P extends z.ZodType, R extends z.ZodType>(method: string, params: P, result: R): RequestDef<P, R> => ({ method, params, result });
export const notification = <P extends z.ZodType>(method: string, params: P): NotificationDef<P> => ({ method, params });

/** Long operations report progress as `progress/didReport` notifications carrying this token. */
export const WithProgress = { progressToken: z.string().max(100).optional() };
