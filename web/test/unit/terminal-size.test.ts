import { describe, expect, it } from 'vitest';
import { cellsText, keybarInOneRow, shrinkToFit } from '../../src/terminal-size.js';

describe('a terminal another device sized, shown on this screen', () => {
  it('is shrunk to fit whole, across and down, and centred across', () => {
    // A landscape tablet's wide terminal on a portrait phone: limited by the width.
    expect(shrinkToFit({ width: 780, height: 300 }, { width: 390, height: 700 })).toEqual({ scale: 0.5, left: 0 });
    // A portrait phone's tall terminal on a landscape screen: limited by the height, centred.
    expect(shrinkToFit({ width: 400, height: 800 }, { width: 840, height: 200 })).toEqual({ scale: 0.25, left: 370 });
  });

  it('is never enlarged', () => {
    expect(shrinkToFit({ width: 300, height: 200 }, { width: 390, height: 700 })).toEqual({ scale: 1, left: 45 });
    expect(shrinkToFit({ width: 0, height: 0 }, { width: 390, height: 700 })).toEqual({ scale: 1, left: 0 });
  });

  it('names sizes and lays out the key bar by the shape of the screen', () => {
    expect(cellsText({ cols: 120, rows: 40 })).toBe('120×40');
    expect(keybarInOneRow(844, 390)).toBe(true);
    expect(keybarInOneRow(390, 844)).toBe(false);
    expect(keybarInOneRow(1280, 800)).toBe(false);
  });
});
