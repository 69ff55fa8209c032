import * as vscode from 'vscode';
import { HostsAdd, NewHostName, type HostReport } from '../../../daemon/protocol/hosts.js';
import type { Ctx } from '../../ctx.js';
import { inert } from '../../untrustedText.js';

/**
 * "Add SSH Host…": tests the host through the daemon with progress, shows an unknown host key for
 * the user to accept (a changed one is refused, with both fingerprints), and asks once for the
 * passphrase of an encrypted key, which goes to the daemon's memory only.
 */
export async function addHost(ctx: Ctx): Promise<void> {
  const url = await vscode.window.showInputBox({
    title: 'Add an SSH host',
    prompt: 'ssh://user@host[:port], or a Host alias from ~/.ssh/config',
    placeHolder: 'ssh://me@build-box',
    ignoreFocusOut: true,
  });
  if (!url) return;
  const suggested = (/^(?:ssh:\/\/)?(?:[^@]+@)?([^:/]+)/.exec(url)?.[1] ?? '').toLowerCase().replace(/[^a-z0-9_.-]/g, '-');
  const name = await vscode.window.showInputBox({
    title: 'Add an SSH host',
    prompt: 'A short name for it in Berth',
    value: suggested,
    validateInput: (v) => (NewHostName.safeParse(v).success ? undefined : 'Use 1-63 characters of a-z, 0-9, "_", "." or "-" (not "local").'),
  });
  if (!name) return;
  let params: { name: string; url: string; acceptHostKey?: string; passphrase?: string } = { name, url: url.trim() };
  for (;;) {
    const { report, host } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Connecting to ${url}` }, (progress) =>
      ctx.withDaemonProgress(
        (message) => progress.report({ message: inert(message) }),
        (progressToken) => ctx.request(HostsAdd, { ...params, progressToken }),
      ),
    );
    if (host) {
      void vscode.window.showInformationMessage(inert(`Added host ${host.name} (Docker ${host.engineVersion ?? report.engineVersion ?? '?'}). Add servers to it with "Berth: Add Server…".`));
      return;
    }
    const next = await resolveRefusal(report);
    if (!next) return;
    params = { ...params, ...next };
  }
}

/** What to retry with after a refusal, once the user has said so; undefined to give up. */
async function resolveRefusal(report: HostReport): Promise<{ acceptHostKey?: string; passphrase?: string } | undefined> {
  const key = report.hostKey;
  if (key?.status === 'unknown') {
    const trust = 'Trust and Connect';
    const choice = await vscode.window.showWarningMessage(
      inert(`The host key of ${key.name} is not known.`),
      { modal: true, detail: `${key.keyType} key fingerprint:\n${key.fingerprint}\n\nCompare it with the one the host's owner gives you before trusting it.` },
      trust,
    );
    return choice === trust ? { acceptHostKey: key.fingerprint } : undefined;
  }
  if (key) {
    await vscode.window.showErrorMessage(inert(`The host key of ${key.name} has changed; Berth refuses to connect.`), {
      modal: true,
      detail: `Known: ${key.knownFingerprint ?? '?'}${key.knownAt ? ` (${key.knownAt})` : ''}\nNow:   ${key.fingerprint}\n\nIf the host was really reinstalled, remove the old entry from known_hosts and try again.`,
    });
    return undefined;
  }
  if (report.needsPassphrase) {
    const passphrase = await vscode.window.showInputBox({ title: 'SSH key passphrase', prompt: 'Your key is encrypted and no SSH agent holds it. Berth keeps the passphrase in memory only.', password: true, ignoreFocusOut: true });
    return passphrase ? { passphrase } : undefined;
  }
  void vscode.window.showErrorMessage(inert(`Berth could not add the host: ${report.error ?? report.checks.find((c) => !c.ok)?.detail ?? 'unknown error'}`));
  return undefined;
}
