import { describe, expect, it } from 'vitest';
import { diffDefinitions, type Definitions } from '../../daemon/testing/snapshotDiff.js';

const base: Definitions = {
  tools: [
    { name: 'echo', description: 'Echoes', inputSchema: { type: 'object', properties: { message: { type: 'string' }, times: { type: ['number', 'string'] }, mode: { type: 'string', enum: ['a', 'b'] } }, required: ['message'] }, outputSchema: { type: 'object', properties: { text: { type: 'string' } } } },
    { name: 'gone', inputSchema: { type: 'object' } },
  ],
  prompts: [{ name: 'p', arguments: [{ name: 'topic' }] }],
  resources: [{ uri: 'mem://a', name: 'a', mimeType: 'text/plain' }],
};

function changed(edit: (d: Definitions) => void): ReturnType<typeof diffDefinitions> {
  const after = structuredClone(base);
  edit(after);
  return diffDefinitions(base, after);
}
const echo = (d: Definitions) => d.tools[0]!;
const props = (d: Definitions) => echo(d).inputSchema.properties as Record<string, Record<string, unknown>>;

describe('snapshot differences are breaking or additive', () => {
  it('nothing changed: nothing to say', () => {
    expect(diffDefinitions(base, structuredClone(base))).toEqual({ breaking: [], additive: [] });
  });

  it('a tool removed or a new required argument breaks; a tool added or an optional argument does not', () => {
    expect(changed((d) => void d.tools.pop())).toEqual({ breaking: ['tool gone was removed'], additive: [] });
    expect(changed((d) => void d.tools.push({ name: 'new', inputSchema: { type: 'object' } }))).toEqual({ breaking: [], additive: ['tool new was added'] });
    expect(changed((d) => void (echo(d).inputSchema.required = ['message', 'times']))).toEqual({ breaking: ['tool echo: new required argument times'], additive: [] });
    expect(changed((d) => void (props(d).extra = { type: 'string' }))).toEqual({ breaking: [], additive: ['tool echo: new optional argument extra'] });
    expect(changed((d) => void delete props(d).times)).toEqual({ breaking: ['tool echo: argument times was removed'], additive: [] });
  });

  it('a narrowed type or enum breaks; a widened one does not', () => {
    expect(changed((d) => void (props(d).times = { type: 'number' }))).toEqual({ breaking: ['tool echo: argument times: type number|string → number (narrowed)'], additive: [] });
    expect(changed((d) => void (props(d).message = { type: ['string', 'null'] }))).toEqual({ breaking: [], additive: ['tool echo: argument message: type string → string|null'] });
    expect(changed((d) => void (props(d).mode = { type: 'string', enum: ['a'] }))).toEqual({ breaking: ['tool echo: argument mode: allowed values "a"|"b" → "a" (narrowed)'], additive: [] });
    expect(changed((d) => void (props(d).mode = { type: 'string' }))).toEqual({ breaking: [], additive: ['tool echo: argument mode: allowed values "a"|"b" → any'] });
  });

  it('output: a property removed or a type widened breaks a reader; a new property does not', () => {
    expect(changed((d) => void (echo(d).outputSchema = { type: 'object', properties: {} }))).toEqual({ breaking: ['tool echo: output property text was removed'], additive: [] });
    expect(changed((d) => void (echo(d).outputSchema = { type: 'object', properties: { text: { type: 'string' }, n: { type: 'number' } } }))).toEqual({ breaking: [], additive: ['tool echo: new output property n'] });
    expect(changed((d) => void (echo(d).outputSchema = { type: 'object', properties: { text: { type: ['string', 'null'] } } }))).toEqual({ breaking: ['tool echo: output property text: type string → string|null (widened)'], additive: [] });
  });

  it('descriptions are additive; prompts and resources follow the same rules', () => {
    expect(changed((d) => void (echo(d).description = 'Says it back'))).toEqual({ breaking: [], additive: ['tool echo: its description changed'] });
    expect(changed((d) => void (d.prompts[0]!.arguments = [{ name: 'topic', required: true }]))).toEqual({ breaking: ['prompt p: argument topic is now required'], additive: [] });
    expect(changed((d) => void (d.resources = []))).toEqual({ breaking: ['resource mem://a was removed'], additive: [] });
  });
});
