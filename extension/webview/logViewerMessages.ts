// The messages between a server's log viewer and the extension, defined once. The extension
// parses every message the viewer sends.
import { z } from 'zod';
import type { LogLine } from '../../daemon/protocol/status.js';

/** `copy` carries the shown lines for the clipboard, capped so a page cannot flood it. */
export const FromLogViewer = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('copy'), text: z.string().max(64 * 1024 * 1024) }).strict(),
]);
export type FromLogViewer = z.infer<typeof FromLogViewer>;

export type ToLogViewer =
  /** Every line held for the server (after the viewer loads, or a new daemon connection). */
  | { type: 'reset'; server: string; connected: boolean; lines: LogLine[] }
  /** Lines the server wrote since. */
  | { type: 'append'; lines: LogLine[] }
  | { type: 'connection'; connected: boolean };
