// Bundles each entry point into dist/. The daemon and the CLI are one bundle (dist/berth.js):
// `berth daemon` runs the daemon, every other verb is a thin client of it.
import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // ssh2/cpu-features ship optional native parts that esbuild cannot bundle.
  external: ['cpu-features', '*.node'],
};

await build({
  ...common,
  entryPoints: ['daemon/main.ts'],
  outfile: 'dist/berth.js',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
});
await chmod('dist/berth.js', 0o755);
