// Message validation: every message type parses its valid form, and random or mutated headers are
// either accepted with the declared shape or rejected with a ValidationError, never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closeFrame, parseCloseFrame } from '../../src/channel/channel.js';
import { toBase64Url, utf8 } from '../../src/channel/encoding.js';
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
