// Who decides a session's terminal size (session/size.ts): the viewer that typed last, one that takes the
// size on purpose, or one that watches alone; the session then follows that viewer's size. Pure
// bookkeeping, tested as the engine uses it: each call says what changed, or undefined for nothing.
import { describe, expect, it } from 'vitest';
import { SessionSize } from '../../src/session/size.js';

const phone = { id: 'phone', name: 'Pixel 8' };
const laptop = { id: 'laptop', name: 'the computer' };
const tablet = { id: 'tablet', name: 'iPad' };

describe('session size', () => {
  it('starts at the size the session was created with, set by nobody', () => {
    const initial = { cols: 80, rows: 24 };
    const size = new SessionSize(initial);
    initial.cols = 1;
    expect(size.size).toEqual({ cols: 80, rows: 24 });
    expect(size.setBy).toBeUndefined();
    expect(size.isOwner('phone')).toBe(false);
    // The size handed out is a copy: changing it changes nothing.
    size.size.rows = 2;
    expect(size.size).toEqual({ cols: 80, rows: 24 });
  });

  it('a viewer watching alone sets the size, and the session follows its changes', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    expect(size.attached(phone, { cols: 40, rows: 30 })).toEqual({ cols: 40, rows: 30, resized: true });
    expect(size.size).toEqual({ cols: 40, rows: 30 });
    expect(size.setBy).toBe('Pixel 8');
    expect(size.isOwner('phone')).toBe(true);
    // The phone rotates.
    expect(size.resized('phone', { cols: 70, rows: 20 })).toEqual({ cols: 70, rows: 20, resized: true });
    expect(size.size).toEqual({ cols: 70, rows: 20 });
    // The same size again: nothing changes.
    expect(size.resized('phone', { cols: 70, rows: 20 })).toBeUndefined();
  });

  it('follows a change of width alone, or of height alone', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 80, rows: 24 });
    expect(size.resized('laptop', { cols: 100, rows: 24 })).toEqual({ cols: 100, rows: 24, resized: true });
    expect(size.resized('laptop', { cols: 100, rows: 30 })).toEqual({ cols: 100, rows: 30, resized: true });
  });

  it('another viewer of the same name typing at the same size takes the size', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached({ id: 'a' }, { cols: 80, rows: 24 });
    size.attached({ id: 'b' }, { cols: 80, rows: 24 });
    expect(size.typed('b')).toEqual({ cols: 80, rows: 24, resized: false });
    expect(size.isOwner('b')).toBe(true);
  });

  it('a lone viewer at the current size takes it without a resize', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    expect(size.attached(laptop, { cols: 80, rows: 24 })).toEqual({ cols: 80, rows: 24, resized: false });
    expect(size.setBy).toBe('the computer');
  });

  it('a viewer that did not say its size sets nothing, even alone', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    expect(size.attached(phone, undefined)).toBeUndefined();
    expect(size.typed('phone')).toBeUndefined();
    expect(size.size).toEqual({ cols: 80, rows: 24 });
    expect(size.setBy).toBeUndefined();
    expect(size.isOwner('phone')).toBe(false);
    // Once it says its size, it has it (it watches alone).
    expect(size.resized('phone', { cols: 50, rows: 20 })).toEqual({ cols: 50, rows: 20, resized: true });
  });

  it('a viewer without a name is shown as "another viewer"', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached({ id: 'anon' }, { cols: 90, rows: 30 });
    expect(size.setBy).toBe('another viewer');
  });

  it('a second viewer attaching or resizing leaves the size with the first until it types', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    expect(size.attached(phone, { cols: 40, rows: 30 })).toBeUndefined();
    expect(size.resized('phone', { cols: 45, rows: 32 })).toBeUndefined();
    expect(size.size).toEqual({ cols: 120, rows: 40 });
    expect(size.isOwner('laptop')).toBe(true);
    expect(size.isOwner('phone')).toBe(false);
    // Typing takes the size, at the latest size the phone reported.
    expect(size.typed('phone')).toEqual({ cols: 45, rows: 32, resized: true });
    expect(size.setBy).toBe('Pixel 8');
    expect(size.isOwner('phone')).toBe(true);
    expect(size.isOwner('laptop')).toBe(false);
    // Typing again changes nothing; the laptop resizing now changes nothing either.
    expect(size.typed('phone')).toBeUndefined();
    expect(size.resized('laptop', { cols: 100, rows: 30 })).toBeUndefined();
    // The laptop types: it takes the size back, at its new size.
    expect(size.typed('laptop')).toEqual({ cols: 100, rows: 30, resized: true });
  });

  it('"Use my screen size" takes the size from whoever had it', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, { cols: 40, rows: 30 });
    expect(size.resized('phone', { cols: 40, rows: 30 }, true)).toEqual({ cols: 40, rows: 30, resized: true });
    expect(size.isOwner('phone')).toBe(true);
    // Taking it again at the same size by the one that has it: nothing changes.
    expect(size.resized('phone', { cols: 40, rows: 30 }, true)).toBeUndefined();
  });

  it('a viewer that typed at the size the session has takes it without a resize', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 100, rows: 30 });
    size.attached(phone, { cols: 100, rows: 30 });
    expect(size.typed('phone')).toEqual({ cols: 100, rows: 30, resized: false });
    expect(size.setBy).toBe('Pixel 8');
  });

  it('the viewer with the size that attaches again sets it anew, also under a new name', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, { cols: 40, rows: 30 });
    size.typed('phone');
    expect(size.attached(phone, { cols: 42, rows: 31 })).toEqual({ cols: 42, rows: 31, resized: true });
    expect(size.attached({ id: 'phone', name: 'Pixel 9' }, { cols: 42, rows: 31 })).toEqual({
      cols: 42,
      rows: 31,
      resized: false,
    });
    expect(size.setBy).toBe('Pixel 9');
    // The same viewer, name and size once more: nothing changed.
    expect(size.attached({ id: 'phone', name: 'Pixel 9' }, { cols: 42, rows: 31 })).toBeUndefined();
  });

  it('keeps the sizes viewers reported, not the objects they passed', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    const reported = { cols: 50, rows: 20 };
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, reported);
    reported.cols = 10;
    expect(size.typed('phone')).toEqual({ cols: 50, rows: 20, resized: true });
    const resized = { cols: 60, rows: 25 };
    size.resized('phone', resized);
    resized.rows = 1;
    expect(size.size).toEqual({ cols: 60, rows: 25 });
    size.typed('laptop');
    expect(size.typed('phone')).toEqual({ cols: 60, rows: 25, resized: true });
  });

  it('when the viewer with the size leaves, the one viewer left takes it', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, { cols: 40, rows: 30 });
    expect(size.detached('laptop')).toEqual({ cols: 40, rows: 30, resized: true });
    expect(size.setBy).toBe('Pixel 8');
    expect(size.isOwner('phone')).toBe(true);
  });

  it('when the viewer with the size leaves several behind, the size stays until one of them types', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, { cols: 40, rows: 30 });
    size.attached(tablet, { cols: 90, rows: 50 });
    expect(size.detached('laptop')).toBeUndefined();
    expect(size.size).toEqual({ cols: 120, rows: 40 });
    expect(size.setBy).toBe('the computer'); // kept after it left
    expect(size.isOwner('laptop')).toBe(false);
    expect(size.isOwner('phone')).toBe(false);
    // Neither follows its own size now…
    expect(size.resized('phone', { cols: 41, rows: 30 })).toBeUndefined();
    // …until the tablet leaves too: the phone, alone, takes the size.
    expect(size.detached('tablet')).toBeUndefined();
    expect(size.resized('phone', { cols: 41, rows: 31 })).toEqual({ cols: 41, rows: 31, resized: true });
  });

  it('a viewer without the size leaving, or one never seen, changes nothing', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, { cols: 40, rows: 30 });
    expect(size.detached('phone')).toBeUndefined();
    expect(size.detached('ghost')).toBeUndefined();
    expect(size.resized('ghost', { cols: 10, rows: 10 }, true)).toBeUndefined();
    expect(size.typed('ghost')).toBeUndefined();
    expect(size.isOwner('laptop')).toBe(true);
    expect(size.size).toEqual({ cols: 120, rows: 40 });
  });

  it('the last viewer leaving keeps the size and who set it', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(phone, { cols: 40, rows: 30 });
    expect(size.detached('phone')).toBeUndefined();
    expect(size.size).toEqual({ cols: 40, rows: 30 });
    expect(size.setBy).toBe('Pixel 8');
    expect(size.isOwner('phone')).toBe(false);
  });

  it('the one viewer left takes the size only if it said its size', () => {
    const size = new SessionSize({ cols: 80, rows: 24 });
    size.attached(laptop, { cols: 120, rows: 40 });
    size.attached(phone, undefined);
    expect(size.detached('laptop')).toBeUndefined();
    expect(size.size).toEqual({ cols: 120, rows: 40 });
    expect(size.isOwner('phone')).toBe(false);
  });
});
