/**
 * The JSONPath subset scenario files use: `$`, `.key`, `['key']` / `["key"]`, `[index]` (negative
 * counts from the end). One path names one value; wildcards and filters are left out on purpose.
 */
type Segment = string | number;

export function parseJsonPath(path: string): Segment[] {
  if (!path.startsWith('$')) throw new Error(`JSONPath "${path}" must start with "$"`);
  const segments: Segment[] = [];
  const re = /\.([A-Za-z_$][\w$-]*)|\[(-?\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let at = 1;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) throw new Error(`JSONPath "${path}" cannot be read at "${path.slice(at)}"; use .key, ['key'] or [index]`);
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else segments.push((m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1'));
    at = re.lastIndex;
  }
  return segments;
}

/** The value at `path`, or undefined when it leads nowhere. */
export function readJsonPath(value: unknown, path: string): unknown {
  let v = value;
  for (const s of parseJsonPath(path)) {
    if (typeof s === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[s < 0 ? v.length + s : s];
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, s)) return undefined;
      v = (v as Record<string, unknown>)[s];
    }
  }
  return v;
}
