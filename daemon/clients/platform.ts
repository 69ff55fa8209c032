import path from 'node:path';

/**
 * The machine a client's files live on. Injected rather than read from `os`, so the path tables
 * can be checked for every platform from one machine and tests never touch the real home.
 */
export interface ClientEnv {
  home: string;
  platform: NodeJS.Platform;
  /** APPDATA and XDG_CONFIG_HOME move some clients' folders. */
  env: { APPDATA?: string; XDG_CONFIG_HOME?: string };
}

/** Joins with the target platform's separator, whatever platform Berth itself runs on. */
export function joiner(e: ClientEnv): (...parts: string[]) => string {
  const p = e.platform === 'win32' ? path.win32 : path.posix;
  return (...parts) => p.join(...parts);
}

/**
 * Where desktop apps built on Electron (Claude Desktop, VS Code) keep per-user data:
 * `%APPDATA%`, `~/Library/Application Support`, or `$XDG_CONFIG_HOME` (`~/.config`).
 */
export function appDataDir(e: ClientEnv): string {
  const join = joiner(e);
  if (e.platform === 'win32') return e.env.APPDATA || join(e.home, 'AppData', 'Roaming');
  if (e.platform === 'darwin') return join(e.home, 'Library', 'Application Support');
  return e.env.XDG_CONFIG_HOME || join(e.home, '.config');
}

/** VS Code's user folder, where its `mcp.json` and extensions' global storage live. */
export function vscodeUserDir(e: ClientEnv): string {
  return joiner(e)(appDataDir(e), 'Code', 'User');
}
