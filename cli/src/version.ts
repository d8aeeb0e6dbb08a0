// The version of paseo, set at build time from package.json (esbuild `define`), or read in development.
declare const __PASEO_VERSION__: string | undefined;

export const PASEO_VERSION: string = typeof __PASEO_VERSION__ === 'string' ? __PASEO_VERSION__ : '0.1.0-dev';
