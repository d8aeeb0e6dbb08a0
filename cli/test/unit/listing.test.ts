// The listing commands' shared skeleton: tables with an empty-state sentence, and picking one entry by
// what a person typed (id first, then a unique name), with the sentences people see when that fails.
import { describe, expect, it } from 'vitest';
import { DEVICES, jsonFlag, listText, matchEntry, SESSIONS } from '../../src/commands/listing.js';

const entries = [
  { id: 'a1', name: 'build' },
  { id: 'b2', name: 'Pixel' },
  { id: 'c3', name: 'pixel' },
  { id: 'build', name: 'other' },
];

describe('listText', () => {
  it('aligns a table under its headers, one row per entry, in column order', () => {
    const text = listText(entries.slice(0, 2), { ID: (e) => e.id, 'FULL NAME': (e) => e.name.toUpperCase() }, 'None.');
    expect(text).toBe('ID  FULL NAME\na1  BUILD\nb2  PIXEL\n');
  });

  it('says the empty-state sentence instead of an empty table', () => {
    expect(listText([], { ID: (e: { id: string }) => e.id }, 'No sessions.')).toBe('No sessions.\n');
  });
});

describe('matchEntry', () => {
  it('prefers an id over a name', () => {
    expect(matchEntry(entries, 'build', SESSIONS)).toEqual({ entry: { id: 'build', name: 'other' } });
    expect(matchEntry(entries, 'a1', SESSIONS)).toEqual({ entry: entries[0] });
  });

  it('matches session names exactly and device names whatever their case', () => {
    expect(matchEntry(entries, 'Pixel', SESSIONS)).toEqual({ entry: entries[1] });
    expect(matchEntry(entries, 'PIXEL', SESSIONS)).toEqual({
      problem: 'There is no session "PIXEL". Run `paseo ls` to see them.',
    });
    expect(matchEntry(entries, 'PIXEL', DEVICES)).toEqual({
      problem: 'Several devices are named "PIXEL". Use the id from `paseo devices`.',
    });
    expect(matchEntry(entries, 'OTHER', DEVICES)).toEqual({ entry: entries[3] });
    expect(matchEntry(entries, 'phone', DEVICES)).toEqual({
      problem: 'There is no paired device "phone". Run `paseo devices` to see them.',
    });
  });
});

describe('jsonFlag', () => {
  it('is a boolean flag that says what it prints', () => {
    expect(jsonFlag('the devices')).toEqual({ type: 'boolean', description: 'Print the devices as JSON for scripts' });
  });
});
