// The web UI's Content-Security-Policy, declared once: web/build.mjs writes it into index.html's <meta>
// and the local transport sends it as a header. Dependency-free and type-erasable only, because
// web/build.mjs imports this file directly (the pinned Node 24 strips the types).

/**
 * What the web UI may load: its own script, styles and images (inline styles because xterm.js sizes its
 * rows with style attributes and a <style> element), WebSockets to the daemon, and nothing else.
 */
const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
];

/** The policy for a `<meta http-equiv>` tag (browsers ignore frame-ancestors there). */
export const CSP_META: string = DIRECTIVES.join('; ');

/** The policy for the Content-Security-Policy header: the same, and no page may frame the UI. */
export const CSP_HEADER: string = [...DIRECTIVES, "frame-ancestors 'none'"].join('; ');
