// The code of the screen worker (screen-worker.ts bundled with what it imports, as one CommonJS script).
// The build (scripts/build/bundle.mjs) bundles it and puts it in the daemon's bundle as a string; from
// source (tests, `npm run dev`) it is bundled on first use with esbuild, a development dependency.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Set by the build to the worker's bundled code; undefined when running from source. */
declare const __PASEO_SCREEN_WORKER__: string | undefined;

let code: string | undefined;

/** The worker's code, for `new Worker(code, { eval: true })`. */
export function screenWorkerCode(): string {
  if (typeof __PASEO_SCREEN_WORKER__ === 'string') return __PASEO_SCREEN_WORKER__;
  code ??= bundleFromSource();
  return code;
}

function bundleFromSource(): string {
  const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
  const entry = fileURLToPath(new URL('./screen-worker.ts', import.meta.url));
  const result = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}
