// Message validation: every message type parses its valid form, and random or mutated headers are
// either accepted with the declared shape or rejected with a ValidationError, never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeFrame, parseCloseFrame } from '../../src/channel/channel.js';
import {
  concat,
  equalBytes,
  fromBase64Url,
  fromUtf8,
  parseKey,
  toBase64Url,
  utf8,
} from '../../src/channel/encoding.js';
import { decodeWireFrame } from '../../src/channel/frame.js';
import {
  apiInfo,
  clientMessages,
  daemonMessages,
  handshakeReply,
  MAX_NAME_CHARS,
  pairingRequest,
  parseClientMessage,
  parseDaemonMessage,
  parsePayload,
  parseResult,
} from '../../src/channel/messages.js';
import { PAIRING_TAG_BYTES } from '../../src/channel/pairing-code.js';
import { parseJson, ValidationError } from '../../src/channel/validate.js';

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
    expect(() => parseResult('devices.list', [{ id: 'x' }])).toThrow(/^data\[0\]\.name: expected/);
    // Requests answered with nothing take null and nothing else.
    for (const t of [
      'device.remove',
      'session.send',
      'session.permit',
      'session.cancel',
      'session.kill',
      'shutdown',
    ] as const) {
      expect(parseResult(t, null), t).toBeNull();
      for (const other of [undefined, 0, '', {}, []]) {
        expect(() => parseResult(t, other), t).toThrow(new ValidationError('data', 'null'));
      }
    }
  });

  it('names what is wrong: an unknown type, a body where none belongs, an unknown daemon message', () => {
    expect(() => parseClientMessage({ t: 'nope' }, empty)).toThrow(new ValidationError('t', 'a known message type'));
    expect(() => parseClientMessage({}, empty)).toThrow(new ValidationError('t', 'a known message type'));
    expect(() => parseClientMessage({ t: 7 }, empty)).toThrow(new ValidationError('t', 'a known message type'));
    expect(() => parseClientMessage({ t: 'ping', nonce: 1 }, Uint8Array.of(1))).toThrow(
      new ValidationError('body', 'no body for ping'),
    );
    expect(() => parseClientMessage({ t: 'ping', nonce: -1 }, empty)).toThrow(/^nonce: expected/);
    expect(parseDaemonMessage({ t: 'session.output', sessionId: 's', seq: 3 }, Uint8Array.of(1, 2, 3)).body).toEqual(
      Uint8Array.of(1, 2, 3),
    );
    expect(() => parseDaemonMessage({ t: 'pong', nonce: 1 }, Uint8Array.of(1))).toThrow(/^body:/);
    expect(() => parseDaemonMessage({ t: 'hello', client: 'x' }, empty)).toThrow(/^t:/);
    expect(() => parsePayload(Uint8Array.of(0xff), apiInfo)).toThrow(new ValidationError('', 'UTF-8'));
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

describe('payloads outside the message stream', () => {
  const bytes = (v: unknown) => utf8(JSON.stringify(v));
  const key = new Uint8Array(32).fill(7);
  const tag = new Uint8Array(PAIRING_TAG_BYTES).fill(9);

  it('reads the pairing request, decoding its tag, and refuses any other shape', () => {
    expect(parsePayload(bytes({ name: 'Pixel', tag: toBase64Url(tag), extra: 1 }), pairingRequest)).toEqual({
      name: 'Pixel',
      tag,
    });
    const bad: [unknown, RegExp][] = [
      [{ name: 'Pixel' }, /^tag:/],
      [{ name: 'Pixel', tag: toBase64Url(tag.subarray(1)) }, /^tag: expected base64url of 16 bytes/],
      [{ name: 'Pixel', tag: '!!!!' }, /^tag:/],
      [{ name: 'x'.repeat(MAX_NAME_CHARS + 1), tag: toBase64Url(tag) }, /^name:/],
      [['Pixel', toBase64Url(tag)], /an object/],
    ];
    for (const [v, pattern] of bad) expect(() => parsePayload(bytes(v), pairingRequest)).toThrow(pattern);
    expect(() => parsePayload(utf8('{"name":'), pairingRequest)).toThrow(/expected JSON/);
    expect(() => parsePayload(new Uint8Array([0x7b, 0xff, 0x7d]), pairingRequest)).toThrow(/expected UTF-8/);
  });

  it('tells the two handshake replies apart by ok', () => {
    expect(parsePayload(bytes({ ok: true, deviceId: 'dev1', deviceName: 'Pixel' }), handshakeReply)).toEqual({
      ok: true,
      deviceId: 'dev1',
      deviceName: 'Pixel',
    });
    const refused = { ok: false, kind: 'needs-pairing', message: 'Pair again.' };
    expect(parsePayload(bytes(refused), handshakeReply)).toEqual(refused);
    expect(() => parsePayload(bytes({ ok: false, kind: 'no-such-kind', message: 'x' }), handshakeReply)).toThrow(
      /^kind:/,
    );
    expect(() => parsePayload(bytes({ ok: 'yes', deviceId: 'd', deviceName: 'n' }), handshakeReply)).toThrow(/^ok:/);
    expect(() => parsePayload(bytes({ ok: true, deviceId: 'd' }), handshakeReply)).toThrow(/^deviceName:/);
  });

  it('reads a CLOSE body it wrote, and loses only the reason of one it cannot read', () => {
    expect(parseCloseFrame(decodeWireFrame(closeFrame('revoked', 'This device was removed.')).body)).toEqual({
      kind: 'revoked',
      message: 'This device was removed.',
    });
    const fallback = { kind: 'closed', message: 'The connection was closed.' };
    for (const body of [bytes({ kind: 'later-kind', message: 'x' }), bytes({ kind: 'revoked' }), utf8('not json')])
      expect(parseCloseFrame(body)).toEqual(fallback);
  });

  it('reads /api/info with the daemon key decoded', () => {
    const info = { daemonId: 'd1', publicKey: toBase64Url(key), hostname: 'box', version: '0.1.0' };
    expect(parseJson(JSON.stringify(info), apiInfo)).toEqual({ ...info, publicKey: key });
    expect(() => parseJson(JSON.stringify({ ...info, publicKey: toBase64Url(key.subarray(1)) }), apiInfo)).toThrow(
      /^publicKey:/,
    );
    expect(() => parseJson(JSON.stringify({ ...info, version: undefined }), apiInfo)).toThrow(/^version:/);
  });
});

describe('encoding', () => {
  it('base64url round-trips any bytes, without padding; decoding refuses what is not base64url', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = toBase64Url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(fromBase64Url(text)).toEqual(bytes);
      expect(fromBase64Url(`${text}==`)).toEqual(bytes); // padding is tolerated at the end only
    }
    expect(toBase64Url(Uint8Array.of(0xfb, 0xff))).toBe('-_8');
    expect(() => fromBase64Url('A')).toThrow('invalid base64url length');
    expect(() => fromBase64Url('AAAAA')).toThrow('invalid base64url length');
    expect(() => fromBase64Url('AA=A')).toThrow('invalid base64url character');
    expect(() => fromBase64Url('AA+/')).toThrow('invalid base64url character');
    expect(() => fromBase64Url('AA A')).toThrow('invalid base64url character');
  });

  it('parseKey: base64url of exactly the key length, from a short string, else undefined', () => {
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    expect(parseKey(toBase64Url(key))).toEqual(key);
    expect(parseKey(toBase64Url(key.subarray(0, 31)))).toBeUndefined();
    expect(parseKey(toBase64Url(key.subarray(0, 16)), 16)).toEqual(key.subarray(0, 16));
    expect(parseKey('!!!')).toBeUndefined();
    expect(parseKey(42)).toBeUndefined();
    expect(parseKey(`${toBase64Url(key)}${'='.repeat(58)}`)).toBeUndefined(); // 101 characters
    expect(parseKey(`${toBase64Url(key)}${'='.repeat(57)}`)).toEqual(key); // exactly 100
  });

  it('equalBytes compares contents of equal length; concat joins in order', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2, 0), Uint8Array.of(1, 2))).toBe(false);
    expect(equalBytes(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(concat(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3))).toEqual(Uint8Array.of(1, 2, 3));
    expect(fromUtf8(utf8('héllo ✓'))).toBe('héllo ✓');
  });
});
