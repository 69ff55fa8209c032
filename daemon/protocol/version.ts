// Injected by esbuild from package.json; "dev" when run from source.
declare const __BERTH_VERSION__: string | undefined;
export const VERSION: string = typeof __BERTH_VERSION__ === 'string' ? __BERTH_VERSION__ : 'dev';
