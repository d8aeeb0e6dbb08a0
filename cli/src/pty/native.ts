// node-pty with its native addon, both in development and in the single binary.
// In development node-pty is required from node_modules and loads its own prebuilt addon.
// In the bundle (scripts/build/bundle.mjs) node-pty's JS is bundled and its addon loaders are replaced
// by a call to loadPtyAddon() below, which opens the addon extracted from the binary (assets.ts).
import { createRequire } from 'node:module';
import { assetPath } from '../assets.js';

export type NodePty = typeof import('@homebridge/node-pty-prebuilt-multiarch');

/** Set to true by the esbuild build; undefined when running from source. */
declare const __PASEO_BUNDLED__: boolean | undefined;

let nodePty: NodePty | undefined;

/**
 * node-pty, loaded on first call (never at import time, so commands that spawn no PTY, like
 * `paseo --version`, neither extract nor open the addon). Throws if the addon cannot be loaded.
 */
export function loadNodePty(): NodePty {
  if (!nodePty) {
    nodePty =
      typeof __PASEO_BUNDLED__ === 'boolean' && __PASEO_BUNDLED__
        ? // A plain require() call: esbuild bundles node-pty's JS here.
          (require('@homebridge/node-pty-prebuilt-multiarch') as NodePty)
        : (createRequire(import.meta.url)('@homebridge/node-pty-prebuilt-multiarch') as NodePty);
  }
  return nodePty;
}

/**
 * The node-pty native addon (pty.node) for this runtime, opened with process.dlopen.
 * Only the bundle calls this (in place of node-pty's own `require(ptyPath)`); exported for that.
 */
export function loadPtyAddon(): unknown {
  const module = { exports: {} as unknown };
  process.dlopen(module, assetPath('pty-addon'));
  return module.exports;
}
