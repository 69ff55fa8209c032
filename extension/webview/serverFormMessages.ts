// The messages between the server form and the extension, defined once. The form only shows
// fields and the extension's verdicts: parsing and validation happen on the extension's side,
// with the spec's own zod schema.
import { z } from 'zod';

/** How a field is edited: one line, a number, a choice, a list (one item per line), NAME=value lines, or YAML. */
export type FieldKind = 'text' | 'number' | 'choice' | 'lines' | 'pairs' | 'yaml';

export interface FormField {
  /** The property's path in the spec entry, dotted (`limits.memory`). */
  key: string;
  label: string;
  kind: FieldKind;
  /** The object property this field is part of, shown as a group. */
  group?: string;
  options?: string[];
  placeholder?: string;
  /** A choice of true or false, written to the file as a boolean. */
  boolean?: boolean;
  integer?: boolean;
}

const Values = z.record(z.string().max(200), z.string().max(1024 * 1024));

export const FromServerForm = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
  /** Sent as the user types: the extension answers with `issues`. */
  z.object({ type: z.literal('change'), name: z.string().max(200), values: Values }).strict(),
  z.object({ type: z.literal('save'), name: z.string().max(200), values: Values }).strict(),
  z.object({ type: z.literal('cancel') }).strict(),
]);
export type FromServerForm = z.infer<typeof FromServerForm>;

export type ToServerForm =
  | { type: 'init'; title: string; editing: boolean; name: string; fields: FormField[]; values: Record<string, string>; source: string; readOnlyReason: string | undefined }
  /** Problems by field key (`name` for the name, `''` for the whole entry); empty when the entry is valid. */
  | { type: 'issues'; issues: Record<string, string> }
  | { type: 'saving'; saving: boolean; error: string | undefined };
