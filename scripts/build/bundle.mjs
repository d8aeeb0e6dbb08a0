// esbuild: one CommonJS file for the SEA main script (Node 24 SEA mains run as CommonJS).
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const NODE_PTY = '@homebridge/node-pty-prebuilt-multiarch';
// Left out of the bundle on purpose: optional native speed-ups of ws, required inside try/catch.
const OPTIONAL_EXTERNALS = new Set(['bufferutil', 'utf-8-validate']);

/** The screen worker's entry (its code is put into the bundle as a string: cli/src/session/screen-worker-code.ts). */
const SCREEN_WORKER = 'cli/src/session/screen-worker.ts';

/** Bundles the screen worker into one CommonJS script (for `target`); returns its code. */
export async function screenWorkerCode(root, target = 'node24') {
  const result = await esbuild.build({
    entryPoints: [SCREEN_WORKER],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target,
    absWorkingDir: root,
    write: false,
    minify: false,
    legalComments: 'eof',
    logLevel: 'silent',
    banner: { js: '"use strict";' },
  });
  return result.outputFiles[0].text;
}

/**
 * Bundles `entry` into `outfile`. Returns { bytes, warnings }.
 * - `import.meta.url/filename/dirname` mean the bundle file (in the SEA: the binary).
 * - `__PASEO_VERSION__` is package.json's version; `__PASEO_BUNDLED__` is true (see cli/src/pty/native.ts).
 * - `__PASEO_SCREEN_WORKER__` is the screen worker's code (it runs with `new Worker(code, { eval: true })`).
 * - node-pty's native loading goes through loadPtyAddon() in cli/src/pty/native.ts.
 */
export async function bundle({ root, entry, outfile, version }) {
  const workerCode = await screenWorkerCode(root);
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    absWorkingDir: root,
    // Not minified: with the SEA code cache it starts as fast (measured), and stack traces point at
    // readable lines of dist/sea/<name>/main.cjs.
    minify: false,
    legalComments: 'eof',
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    banner: {
      js: ['"use strict";', 'var __paseo_import_meta_url = require("node:url").pathToFileURL(__filename).href;'].join(
        '\n',
      ),
    },
    define: {
      __PASEO_VERSION__: JSON.stringify(version),
      __PASEO_BUNDLED__: 'true',
      __PASEO_SCREEN_WORKER__: JSON.stringify(workerCode),
      'import.meta.url': '__paseo_import_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
    },
    plugins: [nodePtyPlugin(root)],
  });
  const externals = Object.values(result.metafile.outputs).flatMap((output) =>
    output.imports.filter((i) => i.external),
  );
  const unbundled = externals.filter((i) => !isBuiltin(i.path) && !OPTIONAL_EXTERNALS.has(i.path)).map((i) => i.path);
  if (unbundled.length > 0) {
    // The SEA's require() only loads built-in modules: anything else must be in the bundle.
    throw new Error(`the bundle requires modules it does not contain: ${[...new Set(unbundled)].join(', ')}`);
  }
  const dynamicImports = externals.filter((i) => i.kind === 'dynamic-import').map((i) => i.path);
  if (dynamicImports.length > 0) {
    // Node 24's SEA code cache breaks import() in the main script; everything must be bundled.
    throw new Error(`the bundle keeps dynamic import() of: ${dynamicImports.join(', ')}; bundle them`);
  }
  const text = readFileSync(join(root, outfile), 'utf8');
  const addonRequires = text.match(/require\(["'][^"']*\.node["']\)/g);
  if (addonRequires) {
    throw new Error(
      `the bundle still requires native addons by path (${addonRequires.join(', ')}): update nodePtyPlugin`,
    );
  }
  return { bytes: Buffer.byteLength(text), warnings: result.warnings };
}

/**
 * node-pty's JS loads its addon with `require(ptyPath || '../build/Release/pty.node')` where ptyPath is
 * computed from __dirname: that cannot work in the SEA (no node_modules; the SEA's require only loads
 * built-in modules). This plugin rewrites node-pty 0.14.x's addon loading (to loadPtyAddon()) in four files:
 * - lib/prebuild-file-path.js (computes ptyPath): replaced by `ptyPath = null` (no stray file probing);
 * - lib/prebuild-loader.js (the addon for UnixTerminal): replaced by a call to loadPtyAddon();
 * - lib/index.js (`exports.native = require(ptyPath || …)`): that require becomes prebuild-loader's export;
 * - lib/windowsTerminal.js (win32 only, loads conpty/winpty addons): a stub that throws.
 * Each rewrite must match exactly, so a node-pty upgrade that moves things fails the build loudly.
 */
function nodePtyPlugin(root) {
  const native = join(root, 'cli', 'src', 'pty', 'native.ts');
  const lib =
    /[\\/]node-pty-prebuilt-multiarch[\\/]lib[\\/](prebuild-file-path|prebuild-loader|index|windowsTerminal)\.js$/;
  return {
    name: 'paseo-node-pty',
    setup(build) {
      build.onLoad({ filter: lib }, (args) => {
        const which = lib.exec(args.path)[1];
        const source = readFileSync(args.path, 'utf8');
        const head = '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n';
        if (which === 'prebuild-file-path') {
          expectOnce(source, 'exports.ptyPath = fs.existsSync(pathToBuild)', args.path);
          return { contents: `${head}exports.ptyPath = null;\n`, loader: 'js' };
        }
        if (which === 'prebuild-loader') {
          expectOnce(source, 'exports.default = pty;', args.path);
          const contents = `${head}exports.default = require(${JSON.stringify(native)}).loadPtyAddon();\n`;
          return { contents, loader: 'js' };
        }
        if (which === 'windowsTerminal') {
          expectOnce(source, 'exports.WindowsTerminal = WindowsTerminal;', args.path);
          const stub =
            'exports.WindowsTerminal = class { constructor() { throw new Error("paseo does not bundle node-pty for Windows"); } };';
          return { contents: `${head}${stub}\n`, loader: 'js' };
        }
        const needle = "require(prebuild_file_path_1.ptyPath || '../build/Release/pty.node')";
        expectOnce(source, needle, args.path);
        return { contents: source.replace(needle, 'require("./prebuild-loader").default'), loader: 'js' };
      });
    },
  };
}

function expectOnce(source, needle, file) {
  const count = source.split(needle).length - 1;
  if (count !== 1) {
    throw new Error(`${NODE_PTY}: expected "${needle}" once in ${file}, found ${count}; update nodePtyPlugin`);
  }
}
