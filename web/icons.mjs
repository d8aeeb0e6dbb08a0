// The app icon, drawn in code at build time: the favicon's picture (a rounded square in the accent
// gradient with a `>_` prompt) rasterised with anti-aliasing and encoded as PNG with node:zlib. No
// fetched assets and no image library. Used by web/build.mjs for the web app manifest and iOS.
import { deflateSync } from 'node:zlib';

/** The picture, on a 64-unit grid (the favicon's viewBox). */
const GRADIENT = [
  [0x7c, 0x9c, 0xff],
  [0x56, 0xc8, 0xd8],
];
const INK = [0x0b, 0x0d, 0x12];
const CORNER_RADIUS = 14;
const STROKE_HALF_WIDTH = 3;
/** The strokes of `>_` as line segments (round caps, round joins). */
const SEGMENTS = [
  [18, 22, 30, 32],
  [30, 32, 18, 42],
  [34, 44, 46, 44],
];
/** Samples per pixel side: 4 × 4 per pixel is smooth enough. */
const SUPERSAMPLE = 4;

/**
 * A square icon of `size` pixels as PNG bytes. `fullBleed`: the background fills the square (iOS
 * rounds the corners itself, and maskable icons are cropped by the system), with the glyph shrunk into
 * the safe zone when `maskable`.
 */
export function iconPng(size, { fullBleed = false, maskable = false } = {}) {
  const rgba = new Uint8Array(size * size * 4);
  // Maskable icons keep their content within the central 80 % circle.
  const glyphScale = maskable ? 0.78 : 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let bg = 0;
      let ink = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const u = ((x + (sx + 0.5) / SUPERSAMPLE) / size) * 64;
          const v = ((y + (sy + 0.5) / SUPERSAMPLE) / size) * 64;
          const inside = fullBleed || roundedSquare(u, v);
          if (!inside) continue;
          bg++;
          const gu = 32 + (u - 32) / glyphScale;
          const gv = 32 + (v - 32) / glyphScale;
          if (SEGMENTS.some(([x1, y1, x2, y2]) => segmentDistance(gu, gv, x1, y1, x2, y2) <= STROKE_HALF_WIDTH)) ink++;
        }
      }
      const samples = SUPERSAMPLE * SUPERSAMPLE;
      const t = (x + y) / (2 * (size - 1));
      const base = GRADIENT[0].map((c, i) => c + (GRADIENT[1][i] - c) * t);
      const inkShare = bg === 0 ? 0 : ink / bg;
      const o = (y * size + x) * 4;
      for (let i = 0; i < 3; i++) rgba[o + i] = Math.round(base[i] + (INK[i] - base[i]) * inkShare);
      rgba[o + 3] = Math.round((255 * bg) / samples);
    }
  }
  return encodePng(size, size, rgba);
}

function roundedSquare(u, v) {
  const r = CORNER_RADIUS;
  const dx = Math.max(r - u, 0, u - (64 - r));
  const dy = Math.max(r - v, 0, v - (64 - r));
  return u >= 0 && v >= 0 && u <= 64 && v <= 64 && dx * dx + dy * dy <= r * r;
}

function segmentDistance(px, py, x1, y1, x2, y2) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (x1 + t * dx), py - (y1 + t * dy));
}

/** PNG: signature, IHDR (8-bit RGBA), one IDAT (filter 0 on every row), IEND. */
export function encodePng(width, height, rgba) {
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
