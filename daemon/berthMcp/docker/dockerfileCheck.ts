/*
 * The engine fetches an `ADD http://…` (or a git URL) itself, from the host's own network: an
 * agent's Dockerfile could read the host's loopback services that way, which the refusal of
 * `network: host` keeps from its containers. So an agent's Dockerfile may ADD only files of its
 * build folder. A `# syntax=` line would run a builder frontend of the agent's choosing, and a
 * variable in a source could hold any URL; both are refused as well.
 */

/** Whether one ADD source is a path inside the build context (not a URL, a git remote or a variable). */
function localSource(src: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(src) && !/^git@/i.test(src) && !src.includes('$');
}

/** The instructions of a Dockerfile, continuation lines joined, comments and blank lines dropped. */
function instructions(text: string): { line: number; text: string }[] {
  const escape = /^#\s*escape\s*=\s*`/im.test(text.split('\n').slice(0, 5).join('\n')) ? '`' : '\\';
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return;
    const continued = trimmed.endsWith(escape);
    const part = continued ? trimmed.slice(0, -1) : trimmed;
    current = current ? { line: current.line, text: `${current.text} ${part}` } : { line: i + 1, text: part };
    if (!continued) {
      out.push(current);
      current = undefined;
    }
  });
  if (current) out.push(current);
  return out;
}

/** The sources of an ADD's arguments (options and the destination left out). */
function addSources(args: string): string[] {
  const rest = args.trim();
  if (rest.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(rest);
      if (Array.isArray(list)) return list.slice(0, -1).map(String);
    } catch {
      // Not JSON after all: Docker reads it as the shell form too.
    }
  }
  const words = rest.split(/\s+/).filter((w) => !w.startsWith('--'));
  return words.slice(0, -1);
}

/** Why an agent's Dockerfile is refused, or undefined when it only adds local files. */
export function refuseDockerfile(text: string): string | undefined {
  if (/^\s*#\s*syntax\s*=/im.test(text)) return 'its "# syntax=" line would run a builder frontend of its own choosing; remove it';
  for (const ins of instructions(text)) {
    const m = /^(?:ONBUILD\s+)?ADD\s+(.*)$/is.exec(ins.text);
    if (!m) continue;
    const bad = addSources(m[1] ?? '').find((s) => !localSource(s));
    if (bad !== undefined) return `line ${ins.line} ADDs ${JSON.stringify(bad.slice(0, 200))}, which the engine would fetch from the host's network; ADD only files of the build folder (download in a RUN step instead, which runs in the build container's network)`;
  }
  return undefined;
}
