// The messages between the Server Details panel and the extension, defined once. The browser
// script imports the types only, so zod never ships to the webview; the extension parses every
// message the webview sends, since a webview is a page that renders untrusted server text.
import { z } from 'zod';
import type { Phase } from '../../daemon/protocol/status.js';
import type { IconSpec } from '../tree/nodes.js';

/** What the panel's buttons may ask for; each maps to one existing `berth.server.*` command. */
export const PanelAction = z.enum(['start', 'stop', 'restart', 'showLogs', 'openSpec']);
export type PanelAction = z.infer<typeof PanelAction>;

export const FromWebview = z.discriminatedUnion('type', [
  /** The script has loaded (first time, or again after the panel was hidden) and wants the state. */
  z.object({ type: z.literal('ready') }).strict(),
  z.object({ type: z.literal('run'), action: PanelAction }).strict(),
]);
export type FromWebview = z.infer<typeof FromWebview>;

/** A label and a display value, shown as one row of a section. */
export interface Fact {
  label: string;
  value: string;
}

/** One server as the panel shows it: every value already formatted, so the script only places text. */
export interface ServerView {
  name: string;
  description: string | undefined;
  phase: Phase;
  /** The phase's icon, the same as in the Servers view. */
  icon: IconSpec;
  /** Why the server is in an error, exited or unhealthy phase. */
  message: string | undefined;
  /** A container exists and serves (or is about to): Stop and Restart apply, Start does not. */
  running: boolean;
  container: Fact[];
  /** Live usage; undefined while the server does not run or before the first stats sample. */
  usage: Fact[] | undefined;
  /** Newest first. */
  health: { ok: boolean; at: string; took: string; error: string }[];
  /** Undefined until the server has been initialized once. */
  offers:
    | {
        tools: { name: string; description: string; readOnly: boolean }[];
        prompts: { name: string; description: string }[];
        resources: { name: string; uri: string; description: string }[];
      }
    | undefined;
}

export type ToWebview = { type: 'update'; connected: boolean; server: ServerView };
