import { VERSION } from './protocol/version.js';

// A reader that stops early (`berth status --json | head -c 20`) is no failure of Berth's: it ends
// quietly, as Unix tools do, instead of with an EPIPE stack trace. Not for the foreground daemon,
// whose output nobody may be reading and which must go on serving.
if (!(process.argv[2] === 'daemon' && process.argv[3] === undefined)) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
}

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
