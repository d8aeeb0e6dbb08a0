// Builds the web UI into web/dist/: app.js (esbuild bundle of web/src/main.ts as an ES module, minified,
// external source map) and the chunks it loads when needed (the terminal view with xterm.js, and the
// conversation view of ACP sessions: the first screen does not pay for them), index.html (with the
// stylesheet inline — xterm's css + web/src/styles/*.css — and a line of text that shows until the app
// draws its first screen), favicon.svg, and what makes it installable: manifest.webmanifest with PNG
// icons drawn in code (web/icons.mjs), apple-touch-icon.png. No fonts, no CDNs: the daemon serves these
// files offline.
// Usage: node web/build.mjs [--dev] (dev: not minified, inline source map).

import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { CSP_META } from '../cli/src/csp.ts';
import { iconPng } from './icons.mjs';

const webDir = dirname(fileURLToPath(import.meta.url));
const root = dirname(webDir);
const dist = join(webDir, 'dist');
const dev = process.argv.includes('--dev');
// safari14.1, not 14.0: esbuild cannot lower destructuring for Safari 14.0 (a Safari bug it works around nowhere).
const target = ['es2020', 'safari14.1'];

const THEME_COLOR = '#0b0d12';
/** The icons: file, size in pixels, and how it is drawn (see icons.mjs). */
const ICONS = [
  { file: 'icon-192.png', size: 192, purpose: 'any' },
  { file: 'icon-512.png', size: 512, purpose: 'any' },
  { file: 'icon-maskable-512.png', size: 512, purpose: 'maskable', fullBleed: true, maskable: true },
  { file: 'apple-touch-icon.png', size: 180, fullBleed: true },
];
/** The web app manifest: "Add to Home Screen" opens Paseo standalone, in its own colours. */
const MANIFEST = {
  id: '/',
  name: 'Paseo',
  short_name: 'Paseo',
  description: 'Watch and steer the coding agents running on your computer.',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  orientation: 'any',
  background_color: THEME_COLOR,
  theme_color: THEME_COLOR,
  icons: [
    ...ICONS.filter((i) => i.purpose).map((i) => ({
      src: i.file,
      sizes: `${i.size}x${i.size}`,
      type: 'image/png',
      purpose: i.purpose,
    })),
    { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
  ],
};
/** Our stylesheets, in cascade order (after xterm's). */
const CSS_FILES = [
  'base.css',
  'layout.css',
  'pair-devices.css',
  'sheets.css',
  'terminal.css',
  'conversation.css',
  'history.css',
];
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#7c9cff"/><stop offset="1" stop-color="#56c8d8"/></linearGradient></defs><rect width="64" height="64" rx="14" fill="url(#g)"/><path d="M18 22l12 10-12 10" fill="none" stroke="#0b0d12" stroke-width="6" stroke-linecap="round" stroke-linejoin="round"/><path d="M34 44h12" stroke="#0b0d12" stroke-width="6" stroke-linecap="round"/></svg>`;

/** index.html, with the stylesheet inline: nothing but the page itself stands before its first paint. */
const indexHtml = (css) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover, interactive-widget=resizes-content">
<meta name="theme-color" content="${THEME_COLOR}">
<meta name="mobile-web-app-capable" content="yes">
<meta name="apple-mobile-web-app-capable" content="yes">
<meta name="apple-mobile-web-app-title" content="Paseo">
<meta name="apple-mobile-web-app-status-bar-style" content="black-translucent">
<meta name="color-scheme" content="dark">
<meta name="referrer" content="no-referrer">
<meta http-equiv="Content-Security-Policy" content="${CSP_META}">
<meta name="format-detection" content="telephone=no">
<title>Paseo</title>
<link rel="icon" type="image/svg+xml" href="favicon.svg">
<link rel="manifest" href="manifest.webmanifest">
<link rel="apple-touch-icon" href="apple-touch-icon.png">
<style>${css}</style>
<script type="module" src="app.js"></script>
</head>
<body>
<div id="app"><div class="empty" data-testid="boot">Opening Paseo…</div><noscript>Paseo needs JavaScript to connect to your computer.</noscript></div>
</body>
</html>
`;

async function main() {
  const started = Date.now();
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });

  await build({
    entryPoints: { app: join(webDir, 'src/main.ts') },
    outdir: dist,
    chunkNames: '[name]-[hash]',
    splitting: true,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target,
    minify: !dev,
    sourcemap: dev ? 'inline' : 'external',
    legalComments: dev ? 'inline' : 'linked',
    define: { 'process.env.NODE_ENV': dev ? '"development"' : '"production"' },
    logLevel: 'warning',
  });

  const xtermCss = await readFile(join(root, 'node_modules/@xterm/xterm/css/xterm.css'), 'utf8');
  const ourCss = (await Promise.all(CSS_FILES.map((f) => readFile(join(webDir, 'src/styles', f), 'utf8')))).join('\n');
  const css = await transform(`${xtermCss}\n${ourCss}`, { loader: 'css', minify: !dev, target });
  await writeFile(join(dist, 'index.html'), indexHtml(css.code));
  await writeFile(join(dist, 'favicon.svg'), FAVICON);
  await writeFile(join(dist, 'manifest.webmanifest'), `${JSON.stringify(MANIFEST, null, 2)}\n`);
  for (const icon of ICONS) await writeFile(join(dist, icon.file), iconPng(icon.size, icon));

  const chunks = (await readdir(dist)).filter((f) => f.endsWith('.js') && f !== 'app.js').sort();
  const files = ['index.html', 'app.js', ...chunks, 'favicon.svg', 'manifest.webmanifest', ...ICONS.map((i) => i.file)];
  let total = 0;
  let totalGz = 0;
  const kib = (n) => `${(n / 1024).toFixed(1).padStart(7)} KiB`;
  for (const f of files) {
    const bytes = await readFile(join(dist, f));
    const gz = gzipSync(bytes, { level: 9 }).length;
    total += bytes.length;
    totalGz += gz;
    console.log(`  ${relative(root, join(dist, f)).padEnd(34)} ${kib(bytes.length)}  ${kib(gz)} gzipped`);
  }
  console.log(
    `  ${'total'.padEnd(34)} ${kib(total)}  ${kib(totalGz)} gzipped  (${Date.now() - started} ms${dev ? ', dev' : ''})`,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
