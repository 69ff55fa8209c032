/**
 * `{{name}}` in a step's arguments and expectations: a string that is only a reference takes the
 * captured value as it is (an object stays an object); a reference inside text is put in as text.
 */
const WHOLE = /^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;
const INSIDE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function substitute(value: unknown, captured: ReadonlyMap<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(whole[1] ?? '', captured);
    return value.replace(INSIDE, (_, name: string) => {
      const v = lookup(name, captured);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, captured));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, captured)]));
  return value;
}

function lookup(name: string, captured: ReadonlyMap<string, unknown>): unknown {
  if (!captured.has(name)) throw new Error(`{{${name}}} is not captured by an earlier step of this case; capture it with capture: { ${name}: "$.…" }`);
  return captured.get(name);
}
