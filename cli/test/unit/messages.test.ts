// Message validation: every message type parses its valid form, and random or mutated headers are
// either accepted with the declared shape or rejected with a ValidationError, never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientMessages,
  daemonMessages,
  parseClientMessage,
  parseDaemonMessage,
  parseResult,
} from '../../src/channel/messages.js';
import { ValidationError } from '../../src/channel/validate.js';

const empty = new Uint8Array(0);

describe('messages', () => {
  it('parses valid client messages and drops unknown fields', () => {
    const { msg } = parseClientMessage({ t: 'session.resize', sessionId: 'abc', cols: 80, rows: 24, extra: 1 }, empty);
    expect(msg).toEqual({ t: 'session.resize', sessionId: 'abc', cols: 80, rows: 24 });
    const body = new Uint8Array([1, 2, 3]);
    expect(parseClientMessage({ t: 'session.input', sessionId: 'abc' }, body).body).toBe(body);
  });

  it('rejects bad values with the field named', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ t: 'nope' }, /^t:/],
      [{ t: 'session.resize', sessionId: 'abc', cols: 0, rows: 24 }, /cols/],
      [{ t: 'session.resize', sessionId: 'abc', cols: 80.5, rows: 24 }, /cols/],
      [{ t: 'device.rename', rid: 1, deviceId: 'a', name: '' }, /name/],
      [{ t: 'session.create', rid: 1, cols: 80, rows: 24, command: 'ls' }, /command/],
      [{ t: '__proto__' }, /^t:/],
      [{ t: 'toString' }, /^t:/],
    ];
    for (const [header, pattern] of bad) {
      expect(() => parseClientMessage(header, empty)).toThrow(ValidationError);
      expect(() => parseClientMessage(header, empty)).toThrow(pattern);
    }
    expect(() => parseClientMessage({ t: 'ping', nonce: 1 }, new Uint8Array([1]))).toThrow(/body/);
  });

  it('validates result data per request', () => {
    expect(parseResult('device.remove', null)).toBeNull();
    expect(() => parseResult('devices.list', [{ id: 'x' }])).toThrow(ValidationError);
  });

  it('never throws anything but ValidationError on random headers', () => {
    const types = [...Object.keys(clientMessages), ...Object.keys(daemonMessages), 'x'];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 2 })),
        (t, fields) => {
          for (const parse of [parseClientMessage, parseDaemonMessage]) {
            try {
              const { msg } = parse({ ...fields, t }, empty);
              expect(msg.t).toBe(t);
            } catch (err) {
              expect(err).toBeInstanceOf(ValidationError);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
