/**
 * Flag-shaped values. Berth never builds a shell command or a `docker` command line: images,
 * users, env and mounts go to the Engine API as JSON fields, and `command`/`args` as the
 * container's argv array. A value starting with `-` can therefore not become an option of any
 * tool Berth runs; it is refused anyway where no legitimate value starts with one (a mount path,
 * a user, an image, an env name), so a spec that tries `--privileged` there fails loudly instead
 * of relying on that.
 *
 * `args` may start with `-`: they are the server's own argv (`--verbose`, `-y`), handed over as an
 * array, and refusing them would make most servers unusable. The entrypoint's first element is a
 * program name, so there a leading `-` is refused.
 */

export type ValueField = 'volume source' | 'volume target' | 'user' | 'image' | 'env name' | 'command' | 'secret name';

/** One sentence when `value` looks like a flag (or carries a NUL, which argv cannot hold). */
export function checkValue(field: ValueField, value: string): string | undefined {
  const q = JSON.stringify(value);
  if (value.includes('\0')) return `${field} ${q} contains a NUL character, which no container field can hold`;
  if (/^\s*-/.test(value)) return `${field} ${q} looks like a command-line flag, not a ${field}; Berth never passes spec values to a shell or a command line, and refuses flag-shaped ones outright`;
  return undefined;
}

/** `args` and env values: argv entries and strings, allowed to start with `-`, never to hold NUL. */
export function checkArgv(field: string, value: string): string | undefined {
  return value.includes('\0') ? `${field} ${JSON.stringify(value)} contains a NUL character, which argv and env cannot hold` : undefined;
}

export interface ValueSpec {
  image?: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  user?: string;
  volumes?: { source: string; target: string }[];
}

/** Every refused value of a spec, as `field: sentence`; empty when all are fine. */
export function checkSpecValues(spec: ValueSpec): string[] {
  const out: string[] = [];
  const add = (where: string, r: string | undefined) => r && out.push(`${where}: ${r}`);
  if (spec.image !== undefined) add('image', checkValue('image', spec.image));
  if (spec.user !== undefined) add('security.user', checkValue('user', spec.user));
  if (spec.command?.[0] !== undefined) add('command.0', checkValue('command', spec.command[0]));
  for (const [i, a] of (spec.command ?? []).entries()) add(`command.${i}`, checkArgv('command entry', a));
  for (const [i, a] of (spec.args ?? []).entries()) add(`args.${i}`, checkArgv('argument', a));
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    add(`env.${k}`, checkValue('env name', k));
    add(`env.${k}`, checkArgv('env value', v));
  }
  for (const [i, v] of (spec.volumes ?? []).entries()) {
    add(`volumes.${i}.source`, checkValue('volume source', v.source));
    add(`volumes.${i}.target`, checkValue('volume target', v.target));
  }
  return out;
}
