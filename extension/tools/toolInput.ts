// Arguments for "Call Tool": a JSON object the user edits, checked against the tool's input
// schema before it is sent. Pure, so it is unit-tested.
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A starting point for the input box: every required property with a placeholder of its type. */
export function argumentSkeleton(schema: unknown): JsonObject {
  if (!isObject(schema) || !isObject(schema.properties)) return {};
  const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  const out: JsonObject = {};
  for (const name of required) out[name] = placeholder(schema.properties[name]);
  return out;
}

function placeholder(prop: unknown): unknown {
  if (!isObject(prop)) return null;
  if ('default' in prop) return prop.default;
  if (Array.isArray(prop.enum) && prop.enum.length > 0) return prop.enum[0];
  const type: unknown = Array.isArray(prop.type) ? prop.type[0] : prop.type;
  switch (type) {
    case 'string':
      return '';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return argumentSkeleton(prop);
    default:
      return null;
  }
}

export type ParsedArguments = { ok: true; value: JsonObject } | { ok: false; error: string };

const validator = new AjvJsonSchemaValidator();

/**
 * Parses the user's text and validates it. A schema that cannot be compiled does not block the
 * call: the server is the final judge, and a tool with an odd schema should still be callable.
 */
export function parseArguments(text: string, schema: unknown): ParsedArguments {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON: ${(e as Error).message}` };
  }
  if (!isObject(value)) return { ok: false, error: 'the arguments must be a JSON object, like {"message": "hi"}' };
  if (!isObject(schema)) return { ok: true, value };
  let check: ((input: unknown) => { valid: boolean; errorMessage?: string }) | undefined;
  try {
    check = validator.getValidator(schema);
  } catch {
    return { ok: true, value };
  }
  const result = check(value);
  return result.valid ? { ok: true, value } : { ok: false, error: (result.errorMessage ?? 'does not match the input schema').replace(/^data\b/, 'arguments') };
}
