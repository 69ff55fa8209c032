// Bundles each entry point into dist/: the CLI (dist/berth.js and the two bundles it loads), the
// extension and the webview panels.
import { build } from 'esbuild';
import { chmod, readFile } from 'node:fs/promises';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // ssh2/cpu-features ship optional native parts that esbuild cannot bundle.
  external: ['cpu-features', '*.node'],
  define: { __BERTH_VERSION__: JSON.stringify(pkg.version) },
  // jsonc-parser's UMD main hides its requires from the bundler; its ESM build bundles cleanly.
  alias: { 'jsonc-parser': 'jsonc-parser/lib/esm/main.js' },
};

// The egress proxy runs inside its own container, built by the daemon from this text: it is
// bundled first and carried inside dist/berth.js, so the daemon stays one file.
const proxy = await build({ ...common, entryPoints: ['daemon/network/egressProxy.ts'], format: 'cjs', sourcemap: false, write: false });
// Spec files are parsed in a worker thread (off the daemon's event loop), run from this text too.
const specParser = await build({ ...common, entryPoints: ['daemon/servers/specParserWorker.ts'], format: 'cjs', sourcemap: false, write: false });

// dist/berth.js is a few lines that load the rest by the verb: the CLI's thin client
// (dist/berth-cli.js) for every verb, the daemon's bundle (dist/berthd.js) only for `berth daemon`.
// `berth connect`, spawned once per server by every stdio client, never loads the daemon.
const apart = {
  name: 'bundles-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/(cli\/main|daemonEntry)\.js$/ }, (a) => ({ path: a.path === './cli/main.js' ? './berth-cli.js' : './berthd.js', external: true }));
  },
};
await build({
  ...common,
  entryPoints: ['daemon/main.ts'],
  outfile: 'dist/berth.js',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  plugins: [apart],
  // As require(): Node's import() of a CommonJS file first scans all of its text for exports.
  supported: { 'dynamic-import': false },
});
await chmod('dist/berth.js', 0o755);
await build({ ...common, entryPoints: ['daemon/cli/main.ts'], outfile: 'dist/berth-cli.js', format: 'cjs' });
await build({
  ...common,
  entryPoints: ['daemon/daemonEntry.ts'],
  outfile: 'dist/berthd.js',
  format: 'cjs',
  define: {
    ...common.define,
    __BERTH_EGRESS_PROXY__: JSON.stringify(proxy.outputFiles[0].text),
    __BERTH_SPEC_PARSER__: JSON.stringify(specParser.outputFiles[0].text),
  },
});

// The VS Code extension; `vscode` is provided by the editor at run time.
await build({
  ...common,
  entryPoints: ['extension/extension.ts'],
  outfile: 'dist/extension.js',
  format: 'cjs',
  external: [...common.external, 'vscode'],
});

// ---------------------------------------------------------------------------------------------
// Webview panels: browser code from webview/, with the UI toolkit (@vscode-elements/elements'
// bundled build) and the codicon font, into dist/media/, the only folder a panel may load from.
// Each panel is one script and one stylesheet, named for its folder; no source maps, as the
// .vsix carries none.
await build({
  entryPoints: {
    serverDetails: 'webview/serverDetails/main.ts',
    dashboard: 'webview/dashboard/main.ts',
    logViewer: 'webview/logViewer/main.ts',
    serverForm: 'webview/serverForm/main.ts',
    catalogDetails: 'webview/catalogDetails/main.ts',
    codicon: '@vscode/codicons/dist/codicon.css',
  },
  outdir: 'dist/media',
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome120',
  minify: true,
  logLevel: 'warning',
  loader: { '.ttf': 'file' },
  assetNames: '[name]',
});
