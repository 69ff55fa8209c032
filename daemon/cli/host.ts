import { Option, type Command } from 'commander';
import * as H from '../protocol/hosts.js';
import { withDaemon } from '../client/client.js';
import { table } from '../client/format.js';
import { jsonText, printable } from '../protocol/printable.js';
import { ask, askHidden } from './prompt.js';

type Report = H.HostReport;
interface Credentials {
  acceptHostKey?: string;
  passphrase?: string;
}

/** `berth host add|ls|test|rm`: the SSH hosts servers can run on. */
export function registerHostCommands(program: Command): void {
  const json = () => new Option('--json', 'print machine-readable JSON');
  const host = program.command('host').description('the Docker hosts servers run on: local, and SSH hosts you add');

  host
    .command('add <name> <url>')
    .description('add an SSH host (ssh://user@host[:port], or an alias from ~/.ssh/config); it is tested first')
    .option('--accept-host-key <fingerprint>', 'trust this host key (SHA256:…) if the host is not known yet; for scripts')
    .option('--passphrase-stdin', 'read the passphrase of an encrypted identity file from stdin (kept in the daemon\'s memory only)')
    .addOption(json())
    .action(async (name: string, url: string, o: { acceptHostKey?: string; passphraseStdin?: boolean; json?: boolean }) => {
      const creds = { acceptHostKey: o.acceptHostKey, passphrase: o.passphraseStdin ? await readStdinLine() : undefined };
      const r = await withDaemon((c, progressToken) =>
        retryInteractively(creds, (cr) => c.request(H.HostsAdd, { name, url, ...cr, progressToken }), (r) => r.report),
      );
      if (o.json) process.stdout.write(`${jsonText(r, 2)}\n`);
      if (!r.host) throw new Error(failure(r.report));
      if (!o.json) process.stdout.write(`added ${name} (${url}): Docker ${printable(r.report.engineVersion ?? '?')}\n`);
    });

  host
    .command('ls')
    .description('every host, up or down, with its engine version and how many servers it has')
    .addOption(json())
    .action(async (o: { json?: boolean }) => {
      const hosts = await withDaemon((c) => c.request(H.HostsList, {}));
      if (o.json) {
        process.stdout.write(`${jsonText(hosts, 2)}\n`);
        return;
      }
      // The engine version and the reasons come from the host: shown with control characters escaped.
      const rows = hosts.map((h) => [h.name, h.state, printable(h.engineVersion ?? '-'), String(h.servers), h.url]);
      process.stdout.write(`${table([['NAME', 'STATE', 'ENGINE', 'SERVERS', 'URL'], ...rows])}\n`);
      // Each reason names its host or engine address already.
      for (const h of hosts) if (h.error) process.stdout.write(`${printable(h.error)}\n`);
    });

  host
    .command('test <name>')
    .description('check connectivity, host key, auth, the docker CLI, permissions and the engine on a host')
    .option('--accept-host-key <fingerprint>', 'trust this host key (SHA256:…) if the host is not known yet')
    .option('--passphrase-stdin', 'read the passphrase of an encrypted identity file from stdin')
    .addOption(json())
    .action(async (name: string, o: { acceptHostKey?: string; passphraseStdin?: boolean; json?: boolean }) => {
      const creds = { acceptHostKey: o.acceptHostKey, passphrase: o.passphraseStdin ? await readStdinLine() : undefined };
      const report = await withDaemon((c, progressToken) => retryInteractively(creds, (cr) => c.request(H.HostsTest, { name, ...cr, progressToken }), (r) => r));
      if (o.json) process.stdout.write(`${jsonText(report, 2)}\n`);
      else process.stdout.write(`${report.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.check.padEnd(10)}  ${printable(c.detail)}`).join('\n')}\n`);
      if (!report.ok) throw new Error(failure(report));
    });

  host
    .command('rm <name>')
    .description('remove an SSH host (its servers must be removed first)')
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await withDaemon((c) => c.request(H.HostsRemove, { name }));
      process.stdout.write(o.json ? `${jsonText(r)}\n` : `removed host ${r.removed}\n`);
    });
}

/**
 * On a terminal, an unknown host key is shown for the user to accept (as ssh does), and an
 * encrypted key's passphrase is asked for; then the request is sent again with the answer.
 * Without a terminal the report's error, with the fingerprint and the flag to pass, is the answer.
 */
async function retryInteractively<T>(creds: Credentials, send: (c: Credentials) => Promise<T>, reportOf: (r: T) => Report): Promise<T> {
  let result = await send(creds);
  for (let round = 0; round < 2 && process.stdin.isTTY && process.stderr.isTTY; round++) {
    const report = reportOf(result);
    if (report.hostKey?.status === 'unknown' && !creds.acceptHostKey) {
      const k = report.hostKey;
      process.stderr.write(`The authenticity of host ${printable(k.name)} can't be established.\n${printable(k.keyType)} key fingerprint is ${k.fingerprint}.\n`);
      const answer = await ask('Trust it and record it in Berth\'s known_hosts? [y/N] ');
      if (!/^y(es)?$/i.test(answer.trim())) break;
      creds = { ...creds, acceptHostKey: k.fingerprint };
    } else if (report.needsPassphrase && !creds.passphrase) {
      creds = { ...creds, passphrase: await askHidden('Passphrase for the identity file: ') };
    } else {
      break;
    }
    result = await send(creds);
  }
  return result;
}

function failure(report: Report): string {
  if (report.hostKey?.status === 'unknown') {
    return `${report.error ?? 'unknown host key'}`;
  }
  return report.error ?? 'the host test failed';
}

async function readStdinLine(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  const line = text.split('\n')[0] ?? '';
  if (!line) throw new Error('--passphrase-stdin: nothing was read from stdin');
  return line;
}
