// What tools, prompts and resources answer, as documents a person reads. Pure, so it is unit-tested.
import { z } from 'zod';

/** The tool's answer: text blocks verbatim, anything else as JSON. */
export function renderToolResult(tool: string, result: { content: readonly { type: string; text?: string }[]; isError?: boolean; structuredContent?: unknown }): string {
  const parts = [`# ${tool}${result.isError ? ' (reported an error)' : ''}`, ''];
  for (const c of result.content) {
    if (c.type === 'text' && typeof c.text === 'string') parts.push(c.text, '');
    else parts.push('```json', JSON.stringify(c, null, 2), '```', '');
  }
  if (result.structuredContent !== undefined) parts.push('## Structured content', '', '```json', JSON.stringify(result.structuredContent, null, 2), '```', '');
  return parts.join('\n');
}

/** A prompt's messages, one section per message. */
export function renderPromptResult(prompt: string, result: { description?: string; messages: readonly { role: string; content: { type: string; text?: string } }[] }): string {
  const parts = [`# ${prompt}`, ''];
  if (result.description) parts.push(result.description, '');
  for (const m of result.messages) {
    parts.push(`## ${m.role}`, '');
    if (m.content.type === 'text' && typeof m.content.text === 'string') parts.push(m.content.text, '');
    else parts.push('```json', JSON.stringify(m.content, null, 2), '```', '');
  }
  return parts.join('\n');
}

/** A resource's contents as one document, and the editor language that fits its MIME type. */
export function renderResourceContents(contents: readonly { uri: string; mimeType?: string; text?: string; blob?: string }[]): { language: string; content: string } {
  const only = contents.length === 1 ? contents[0] : undefined;
  if (only && typeof only.text === 'string') return { language: languageFor(only.mimeType), content: only.text };
  const parts: string[] = [];
  for (const c of contents) {
    parts.push(`# ${c.uri}${c.mimeType ? ` (${c.mimeType})` : ''}`, '');
    if (typeof c.text === 'string') parts.push(c.text, '');
    else if (typeof c.blob === 'string') parts.push(`binary, ${Math.floor((c.blob.length * 3) / 4)} bytes`, '');
  }
  return { language: 'markdown', content: parts.join('\n') };
}

function languageFor(mimeType: string | undefined): string {
  if (!mimeType) return 'plaintext';
  if (mimeType.includes('json')) return 'json';
  if (mimeType.includes('markdown')) return 'markdown';
  if (mimeType.includes('yaml')) return 'yaml';
  if (mimeType.includes('html')) return 'html';
  if (mimeType.includes('javascript')) return 'javascript';
  return 'plaintext';
}

/** A prompt's declared arguments; the daemon passes the server's prompt objects through as they are. */
const PromptArguments = z.array(z.object({ name: z.string(), description: z.string().optional(), required: z.boolean().optional() }));
export type PromptArgument = z.infer<typeof PromptArguments>[number];

export function promptArguments(prompt: unknown): PromptArgument[] {
  const raw = typeof prompt === 'object' && prompt !== null ? (prompt as { arguments?: unknown }).arguments : undefined;
  const parsed = PromptArguments.safeParse(raw ?? []);
  return parsed.success ? parsed.data : [];
}
