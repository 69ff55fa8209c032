import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A git repository fetched at one ref into `dir` (a fresh, empty folder): only that commit, no
 * history, nothing asked of a terminal, no hooks of the repository run. Gives the commit checked out.
 */
export async function gitCheckout(url: string, ref: string | undefined, dir: string, onProgress: (line: string) => void): Promise<string> {
  const git = (args: string[]) =>
    run('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'advice.detachedHead=false', '-C', dir, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '' },
      maxBuffer: 16 * 1024 * 1024,
    });
  const shown = withoutCredentials(url);
  onProgress(`fetching ${shown} at ${ref ?? 'HEAD'}`);
  try {
    await git(['init', '--quiet']);
    await git(['fetch', '--quiet', '--depth', '1', '--', url, ref ?? 'HEAD']);
    await git(['checkout', '--quiet', 'FETCH_HEAD']);
    const commit = (await git(['rev-parse', 'HEAD'])).stdout.trim();
    onProgress(`checked out ${shown} at ${commit.slice(0, 12)}`);
    return commit;
  } catch (e) {
    const stderr = (e as { stderr?: string }).stderr ?? (e as Error).message;
    const reason = stderr.split('\n').map((l) => l.replace(/^fatal:\s*/, '').trim()).find(Boolean) ?? 'git failed';
    throw new Error(`cannot fetch ${shown} at ${ref ?? 'HEAD'}: ${reason.replaceAll(url, shown)}`, { cause: e });
  }
}

/** A URL as it may be shown and recorded: a user name or token in it is left out. */
export function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url;
  }
}
