import { describe, expect, it } from 'vitest';
import { arrowSequence, binaryStringToBytes, navSequence, withCtrl } from '../../src/keys.js';

describe('withCtrl', () => {
  it('turns letters into control characters', () => {
    expect(withCtrl('c')).toBe('\x03');
    expect(withCtrl('C')).toBe('\x03');
    expect(withCtrl('a')).toBe('\x01');
    expect(withCtrl('z')).toBe('\x1a');
  });

  it('maps the usual symbols like a PC keyboard', () => {
    expect(withCtrl('[')).toBe('\x1b');
    expect(withCtrl(' ')).toBe('\x00');
    expect(withCtrl('\\')).toBe('\x1c');
    expect(withCtrl(']')).toBe('\x1d');
    expect(withCtrl('_')).toBe('\x1f');
    expect(withCtrl('?')).toBe('\x7f');
  });

  it('leaves other keys and multi-byte input unchanged', () => {
    expect(withCtrl('é')).toBe('é');
    expect(withCtrl('\r')).toBe('\r');
    expect(withCtrl('\x1b[A')).toBe('\x1b[A');
    expect(withCtrl('ab')).toBe('ab');
  });
});

describe('arrowSequence', () => {
  it('follows the cursor key mode and Ctrl', () => {
    expect(arrowSequence('up', false, false)).toBe('\x1b[A');
    expect(arrowSequence('down', true, false)).toBe('\x1bOB');
    expect(arrowSequence('right', false, true)).toBe('\x1b[1;5C');
    expect(arrowSequence('left', true, true)).toBe('\x1b[1;5D');
  });
});

describe('binaryStringToBytes', () => {
  it('keeps one byte per character', () => {
    expect([...binaryStringToBytes('\x1b[M\xff\x80')]).toEqual([0x1b, 0x5b, 0x4d, 0xff, 0x80]);
  });
});

describe('navSequence', () => {
  it('sends Home, End, Page Up and Page Down as xterm does', () => {
    expect(navSequence('pageup', false, false)).toBe('\x1b[5~');
    expect(navSequence('pagedown', true, false)).toBe('\x1b[6~');
    expect(navSequence('pageup', false, true)).toBe('\x1b[5;5~');
    expect(navSequence('home', false, false)).toBe('\x1b[H');
    expect(navSequence('end', true, false)).toBe('\x1bOF');
    expect(navSequence('home', true, true)).toBe('\x1b[1;5H');
  });
});
