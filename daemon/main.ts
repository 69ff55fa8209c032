import { main } from './cli/main.js';

// A reader that stops early (`berth status --json | head -c 20`) is no failure of Berth's: it ends
// quietly, as Unix tools do, instead of with an EPIPE stack trace. Not for the foreground daemon,
// whose output nobody may be reading and which must go on serving.
if (!(process.argv[2] === 'daemon' && process.argv[3] === undefined)) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(0);
  });
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`berth: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
