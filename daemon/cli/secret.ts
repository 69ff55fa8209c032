import { Option, type Command } from 'commander';
import { SecretName } from '../protocol/names.js';
import { SecretsList, SecretsRemove, SecretsSet, ToolsApprove, ToolsPending, type SecretSource } from '../protocol/policy.js';
import type { DaemonClient } from '../client/client.js';
import { table } from '../client/format.js';
import { askHidden } from './prompt.js';

/** What these verbs borrow from the CLI's main module. */
export interface SecretCliDeps {
  withDaemon<T>(fn: (client: DaemonClient) => Promise<T>): Promise<T>;
  print(json: boolean, value: unknown, human: () => string): void;
  usage(message: string): Error;
}

/**
 * `berth secret set|ls|rm`. A value is never taken from argv (it would sit in shell history and
 * in every process listing): it is typed at a prompt that echoes nothing, or piped on stdin.
 */
export function registerSecretCommands(program: Command, deps: SecretCliDeps): void {
  const json = () => new Option('--json', 'print machine-readable JSON');
  const checkName = (name: string) => {
    const r = SecretName.safeParse(name);
    if (!r.success) throw deps.usage(`secret name ${JSON.stringify(name)} ${r.error.issues[0]?.message}`);
    return name;
  };
  const secret = program.command('secret').description('named secrets that server specs inject as environment variables (`secrets: [NAME]`)');

  secret
    .command('set <name>')
    .description('set a secret; the value is read from a prompt that does not echo, or from stdin (never from the command line)')
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) => {
      checkName(name);
      const value = process.stdin.isTTY ? await askHidden(`Value for ${name}: `) : await readAllStdin();
      if (!value) throw deps.usage(`no value for ${name} was read from ${process.stdin.isTTY ? 'the prompt' : 'stdin'}`);
      const r = await deps.withDaemon((c) => c.request(SecretsSet, { name, value }));
      const shadowed = r.effective === 'editor' ? `; the value your editor handed in wins over it until the daemon restarts or it is deleted there` : '';
      deps.print(o.json ?? false, r, () => `set ${r.name}${r.servers.length ? ` (used by ${r.servers.join(', ')}; restart them to apply)` : ''}${shadowed}`);
    });

  secret
    .command('ls')
    .description('the secrets that are set or that specs name (never their values): where each comes from, and the servers that use each')
    .addOption(json())
    .action(async (o: { json?: boolean }) => {
      const r = await deps.withDaemon((c) => c.request(SecretsList, {}));
      deps.print(o.json ?? false, r, () =>
        r.length
          ? table([['NAME', 'FROM', 'SET', 'USED BY'], ...r.map((s) => [s.name, describeSources(s.sources), s.updated === undefined ? '-' : new Date(s.updated).toISOString(), s.servers.join(', ') || '-'])])
          : 'no secrets yet; add one with `berth secret set NAME`',
      );
    });

  secret
    .command('rm <name>')
    .description('remove a secret')
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) => {
      checkName(name);
      const r = await deps.withDaemon((c) => c.request(SecretsRemove, { name }));
      deps.print(o.json ?? false, r, () =>
        r.servers?.length
          ? `removed ${r.removed}; ${r.servers.join(', ')} use${r.servers.length === 1 ? 's' : ''} it: a running one keeps the value it started with, and none starts again until it is set (\`berth secret set ${r.removed}\`) or taken out of its spec`
          : `removed ${r.removed}`,
      );
    });
}

/** Where servers get a secret from: the first source wins. */
function describeSources(sources: SecretSource[]): string {
  const [first, ...rest] = sources;
  if (first === undefined) return 'not set';
  return rest.length ? `${first} (over ${rest.join(', ')})` : first;
}

/** `berth tools pending|approve NAME`: tool definitions that changed since they were approved. */
export function registerToolPinCommands(program: Command, deps: SecretCliDeps): void {
  const tools = program.commands.find((c) => c.name() === 'tools');
  if (!tools) throw new Error('the `tools` command must be registered first');
  const json = () => new Option('--json', 'print machine-readable JSON');
  tools
    .command('pending <name>')
    .description("the server's tools withheld because their definitions changed since you approved them, as a diff")
    .addOption(json())
    .action(async (name: string, o: { json?: boolean }) => {
      const r = await deps.withDaemon((c) => c.request(ToolsPending, { name }));
      deps.print(o.json ?? false, r, () => r.diff || `no changes: every tool of ${name} is as approved`);
    });
  tools
    .command('approve <name> [tools...]')
    .description("approve the server's current tool definitions (all of them, or the named tools); see them first with `berth tools pending NAME`")
    .addOption(json())
    .action(async (name: string, names: string[], o: { json?: boolean }) => {
      const r = await deps.withDaemon((c) => c.request(ToolsApprove, { name, tools: names.length ? names : undefined }));
      deps.print(o.json ?? false, r, () => (r.approved.length ? `approved ${r.approved.join(', ')}` : 'nothing to approve'));
    });
}

/** Everything piped in, without the one trailing newline `echo` adds. */
async function readAllStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}
