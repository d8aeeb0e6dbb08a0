// Tests that read what a person reads: golden files of terminal screens (cli/test/golden/*.txt, with the
// parts that change from run to run masked) and QR codes printed in the terminal, decoded for real.
//
// Golden files: a test renders a screen, masks it with maskScreen() and calls expectGolden(name, text).
// After a deliberate change to what paseo prints, rewrite them and review the diff like code:
//
//   UPDATE_GOLDEN=1 $(scripts/node-runtime.sh) node_modules/vitest/vitest.mjs run cli/test/integration/screens.test.ts
//   (and web/test/e2e/tailnet.e2e.test.ts for the tailnet screens)
//
// QR codes: paseo prints them with Unicode half blocks (two modules per character, '█' light on both).
// qrImages() turns each one back into a PNG (encoder below, node:zlib) and decodeQr() reads it with zbarimg
// (Debian's zbar-tools, installed by .ci/run): the same pixels a phone's camera would see.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { expect } from 'vitest';
import { REPO_ROOT } from './harness.js';

/** Where the golden files live. */
export const GOLDEN_DIR = join(REPO_ROOT, 'cli', 'test', 'golden');

const QR_LINE = /^[█▀▄ ]*[█▀▄][█▀▄ ]*$/;

/** The QR codes in a terminal text, each as its lines. */
export function qrBlocks(text: string): string[][] {
  const blocks: string[][] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (QR_LINE.test(line) && line.length >= 15) cur.push(line);
    else if (cur.length) {
      if (cur.length >= 8) blocks.push(cur);
      cur = [];
    }
  }
  if (cur.length >= 8) blocks.push(cur);
  return blocks;
}

/**
 * Masks what changes from run to run: QR codes (one line each), pairing codes, keys and key fingerprints, ports, pids,
 * versions, times and dates, tailnet IPs, the state folder, and `replace` (exact strings, e.g. ids).
 * "Tailnet: joining…" progress lines depend on timing and are left out. `table`: the columns of a table
 * are padded to their longest value, which masking changes, so runs of spaces become two.
 */
export function maskScreen(
  text: string,
  opts: { home?: string; replace?: [string, string][]; table?: boolean } = {},
): string {
  let t = text.replace(/\r\n/g, '\n');
  for (const block of qrBlocks(t)) t = t.replace(block.join('\n'), '<QR code>');
  for (const [from, to] of opts.replace ?? []) t = t.split(from).join(to);
  if (opts.home) t = t.split(opts.home).join('<HOME>');
  const masked = t
    .split('\n')
    .filter((l) => !/^Tailnet: joining/.test(l))
    .join('\n')
    .replace(/\b[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}\b/g, '<FINGERPRINT>')
    .replace(/\b[2-9A-Z]{4}-[2-9A-Z]{4}\b/g, '<CODE>')
    .replace(/key=[A-Za-z0-9_-]{43}/g, 'key=<KEY>')
    .replace(/\b100\.\d+\.\d+\.\d+\b/g, '<TAILNET-IP>')
    .replace(/\bfd7a:[0-9a-f:]+/g, '<TAILNET-IP>')
    .replace(/\b(127\.0\.0\.1|localhost|\[::1\]):\d+/g, '$1:<PORT>')
    .replace(/\bpid \d+/g, 'pid <PID>')
    .replace(/\bpaseo \d+\.\d+\.\d+(-[\w.]+)?\b/g, 'paseo <VERSION>')
    .replace(/\b(just now|\d+ (s|min|h|days?) ago)\b/g, '<AGO>')
    .replace(/\b[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s?[AP]M\b/g, '<DATE>')
    .replace(/\bafter \d+ s\b/g, 'after <N> s');
  return opts.table ? masked.replace(/ {2,}/g, '  ').replace(/ +$/gm, '') : masked;
}

/** Compares a masked screen with cli/test/golden/<name>.txt, or writes it there with UPDATE_GOLDEN=1. */
export function expectGolden(name: string, text: string): void {
  const file = join(GOLDEN_DIR, `${name}.txt`);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file} does not exist: run the test with UPDATE_GOLDEN=1 and review it.`);
  expect(text, `the screen differs from ${file} (after a deliberate change: UPDATE_GOLDEN=1)`).toBe(
    readFileSync(file, 'utf8'),
  );
}

/** What nobody may ever read on a paseo screen. */
export function expectNoJunk(text: string): void {
  expect(text).not.toMatch(/\bundefined\b|\bnull\b|\[object Object\]|\bNaN\b/);
}

/** A QR code's terminal lines as a grayscale PNG: `scale` pixels per module, with a light margin. */
export function qrPng(lines: string[], scale = 4, margin = 4): Buffer {
  const cols = Math.max(...lines.map((l) => [...l].length));
  const modules: boolean[][] = []; // true = light
  for (const line of lines) {
    const chars = [...line];
    const top: boolean[] = [];
    const bottom: boolean[] = [];
    for (let x = 0; x < cols; x++) {
      const c = chars[x] ?? '█';
      top.push(c === '█' || c === '▀');
      bottom.push(c === '█' || c === '▄');
    }
    modules.push(top, bottom);
  }
  const w = (cols + 2 * margin) * scale;
  const h = (modules.length + 2 * margin) * scale;
  const raw = Buffer.alloc((w + 1) * h, 0xff);
  for (let y = 0; y < h; y++) {
    raw[y * (w + 1)] = 0; // filter: none
    const my = Math.floor(y / scale) - margin;
    for (let x = 0; x < w; x++) {
      const mx = Math.floor(x / scale) - margin;
      const light = my < 0 || mx < 0 || my >= modules.length || mx >= cols || modules[my]![mx]!;
      raw[y * (w + 1) + 1 + x] = light ? 0xff : 0x00;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // grayscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** zbarimg, from Debian's zbar-tools. */
export const ZBARIMG = process.env.PASEO_ZBARIMG ?? '/usr/bin/zbarimg';

/** Decodes a PNG with zbarimg; throws when it finds no QR code. */
export function decodeQr(png: Buffer, saveAs?: string): string {
  if (!existsSync(ZBARIMG)) throw new Error(`${ZBARIMG} is missing: apt-get install -y zbar-tools (.ci/run does).`);
  if (saveAs) writeFileSync(saveAs, png);
  const r = spawnSync(ZBARIMG, ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', '-'], { input: png, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`zbarimg found no QR code (exit ${r.status}): ${r.stderr}`);
  return r.stdout.replace(/\n$/, '');
}

/** Every QR code in a terminal text, decoded. */
export function decodeQrCodes(text: string): string[] {
  return qrBlocks(text).map((b) => decodeQr(qrPng(b)));
}
