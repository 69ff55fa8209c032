import { VERSION } from './protocol/version.js';

// `berth --version` answers before anything else loads; every other verb loads the CLI, and only
// `berth daemon` loads the daemon (its own bundle, dist/berthd.js: see esbuild.mjs).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  import('./cli/main.js')
    .then(({ main }) => main(process.argv, () => import('./daemonEntry.js')))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        process.stderr.write(`berth: ${(e as Error).message}\n`);
        process.exitCode = 1;
      },
    );
}
