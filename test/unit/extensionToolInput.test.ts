import { describe, expect, it } from 'vitest';
import { promptArguments, renderPromptResult, renderResourceContents, renderToolResult } from '../../extension/tools/renderResults.js';
import { argumentSkeleton, parseArguments } from '../../extension/tools/toolInput.js';

// The shape server-everything's tools advertise (zod-generated, draft-07).
const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  properties: { a: { type: 'number' }, b: { type: 'number' }, mode: { type: 'string', enum: ['x', 'y'] }, note: { type: 'string' } },
  required: ['a', 'b', 'mode'],
  additionalProperties: false,
};

describe('tool arguments', () => {
  it('start from a skeleton of the required properties', () => {
    expect(argumentSkeleton(schema)).toEqual({ a: 0, b: 0, mode: 'x' });
    expect(argumentSkeleton(undefined)).toEqual({});
  });

  it('accept arguments that match the schema', () => {
    expect(parseArguments('{"a":1,"b":2,"mode":"y"}', schema)).toEqual({ ok: true, value: { a: 1, b: 2, mode: 'y' } });
  });

  it('explain what is wrong, in the words of the input', () => {
    expect(parseArguments('{"a":1', schema)).toMatchObject({ ok: false, error: expect.stringMatching(/^not valid JSON/) });
    expect(parseArguments('[1]', schema)).toMatchObject({ ok: false, error: expect.stringMatching(/must be a JSON object/) });
    expect(parseArguments('{"a":1,"mode":"x"}', schema)).toEqual({ ok: false, error: "arguments must have required property 'b'" });
    expect(parseArguments('{"a":"1","b":2,"mode":"x"}', schema)).toEqual({ ok: false, error: 'arguments/a must be number' });
  });

  it('treat empty input as no arguments and let odd schemas through to the server', () => {
    expect(parseArguments('  ', { type: 'object' })).toEqual({ ok: true, value: {} });
    expect(parseArguments('{}', { type: 'no-such-type' })).toEqual({ ok: true, value: {} });
  });

  it('render text results as text and the rest as JSON', () => {
    const md = renderToolResult('ev › echo', { content: [{ type: 'text', text: 'Echo: hi' }, { type: 'image' }], isError: false });
    expect(md).toContain('# ev › echo\n\nEcho: hi\n');
    expect(md).toContain('```json\n{\n  "type": "image"\n}\n```');
    expect(renderToolResult('t', { content: [], isError: true })).toContain('(reported an error)');
  });
});

describe('prompt and resource results', () => {
  it('render prompt messages by role', () => {
    const md = renderPromptResult('ev › simple', { description: 'A simple prompt', messages: [{ role: 'user', content: { type: 'text', text: 'Hello' } }] });
    expect(md).toBe('# ev › simple\n\nA simple prompt\n\n## user\n\nHello\n');
  });

  it('open a single text resource as itself, in the language of its MIME type', () => {
    expect(renderResourceContents([{ uri: 'test://a', mimeType: 'application/json', text: '{}' }])).toEqual({ language: 'json', content: '{}' });
    expect(renderResourceContents([{ uri: 'test://a', text: 'hi' }])).toEqual({ language: 'plaintext', content: 'hi' });
  });

  it('list several or binary contents with their sizes', () => {
    const r = renderResourceContents([{ uri: 'test://b', mimeType: 'application/octet-stream', blob: 'AAAA' }]);
    expect(r.language).toBe('markdown');
    expect(r.content).toContain('# test://b (application/octet-stream)\n\nbinary, 3 bytes');
  });

  it("read a prompt's declared arguments, ignoring malformed ones", () => {
    expect(promptArguments({ name: 'p', arguments: [{ name: 'city', required: true }] })).toEqual([{ name: 'city', required: true }]);
    expect(promptArguments({ name: 'p', arguments: 'nope' })).toEqual([]);
    expect(promptArguments({ name: 'p' })).toEqual([]);
  });
});
