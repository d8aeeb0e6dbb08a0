// The request/response helper both clients use: ids, answers validated against the request asked,
// refusals as RequestError with the daemon's code, timeouts, and everything pending refused on close.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientMessage, DaemonMessage, DeviceInfo } from '../../src/channel/messages.js';
import { PendingRequests, RequestError } from '../../src/channel/requests.js';

const OPTIONS = {
  timeoutMs: 1000,
  timeoutMessage: 'No answer in time.',
  badResponseMessage: 'An answer this side does not understand.',
};

const device: DeviceInfo = {
  id: 'dev1',
  name: 'Pixel',
  pairedAt: '2025-01-01T00:00:00.000Z',
  lastSeenAt: null,
  online: true,
};

function setup() {
  const sent: ClientMessage[] = [];
  const requests = new PendingRequests((msg) => sent.push(msg), OPTIONS);
  return { sent, requests };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('the request should have failed'),
    (err: unknown) => err,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('PendingRequests', () => {
  it('sends each request with a new rid and resolves with its validated result', async () => {
    const { sent, requests } = setup();
    const a = requests.request({ t: 'devices.list' });
    const b = requests.request({ t: 'session.kill', sessionId: 's1' });
    expect(sent).toEqual([
      { t: 'devices.list', rid: 1 },
      { t: 'session.kill', sessionId: 's1', rid: 2 },
    ]);
    expect(requests.size).toBe(2);
    // Answers may come in any order; unknown fields are dropped by the validator.
    expect(requests.settle({ t: 'result', rid: 2, data: null })).toBe(true);
    expect(requests.settle({ t: 'result', rid: 1, data: [{ ...device, extra: 'dropped' }] })).toBe(true);
    await expect(b).resolves.toBeNull();
    await expect(a).resolves.toEqual([device]);
    expect(requests.size).toBe(0);
  });

  it('refuses with the code and sentence the daemon sent', async () => {
    const { requests } = setup();
    const p = requests.request({ t: 'device.remove', deviceId: 'nope' });
    requests.settle({ t: 'error', rid: 1, code: 'not-found', message: 'There is no such device.' });
    const err = await rejection(p);
    expect(err).toBeInstanceOf(RequestError);
    expect(err).toMatchObject({ name: 'RequestError', code: 'not-found', message: 'There is no such device.' });
  });

  it('refuses an answer whose data does not fit the request with bad-response', async () => {
    const { requests } = setup();
    const p = requests.request({ t: 'devices.list' });
    requests.settle({ t: 'result', rid: 1, data: [{ id: 'dev1' }] });
    expect(await rejection(p)).toMatchObject({ code: 'bad-response', message: OPTIONS.badResponseMessage });
  });

  it('hands a result its body only for requests whose answer has one; a body from the JSON is never taken', async () => {
    const { requests } = setup();
    const entry = {
      id: 'abcd2345',
      name: 'greeter',
      kind: 'acp',
      command: 'gemini --acp',
      startedAt: null,
      endedAt: '2026-03-01T10:05:00.000Z',
      exit: null,
      bytes: 10,
    };
    const read = requests.request({ t: 'history.read', sessionId: 'abcd2345' });
    const body = new TextEncoder().encode('{"items":[],"omitted":0}');
    requests.settle({ t: 'result', rid: 1, data: { entry, cut: false, skipped: 0, body: 'forged' } }, body);
    expect(await read).toEqual({ entry, cut: false, skipped: 0, body });
    // Without a body the answer still has one: empty.
    const empty = requests.request({ t: 'history.read', sessionId: 'abcd2345' });
    requests.settle({ t: 'result', rid: 2, data: { entry, cut: false, skipped: 0 } });
    expect((await empty).body).toEqual(new Uint8Array(0));
    // A body on any other answer is refused.
    const list = requests.request({ t: 'devices.list' });
    requests.settle({ t: 'result', rid: 3, data: [device] }, new Uint8Array([1]));
    expect(await rejection(list)).toMatchObject({ code: 'bad-response' });
  });

  it('leaves pushed messages and connection errors to the caller, and swallows stray answers', () => {
    const { requests } = setup();
    const pushed: DaemonMessage[] = [
      { t: 'pong', nonce: 1 },
      { t: 'error', code: 'bad-request', message: 'That message was malformed.' },
      { t: 'revoked', message: 'This device was removed.' },
    ];
    for (const msg of pushed) expect(requests.settle(msg)).toBe(false);
    expect(requests.settle({ t: 'result', rid: 99, data: null })).toBe(true);
    expect(requests.settle({ t: 'error', rid: 99, code: 'internal', message: 'x' })).toBe(true);
  });

  it('times a request out with its sentence and ignores the late answer', async () => {
    vi.useFakeTimers();
    const { requests } = setup();
    const p = requests.request({ t: 'sessions.list' });
    const err = rejection(p);
    vi.advanceTimersByTime(OPTIONS.timeoutMs);
    expect(await err).toMatchObject({ code: 'timeout', message: OPTIONS.timeoutMessage });
    expect(requests.size).toBe(0);
    expect(requests.settle({ t: 'result', rid: 1, data: [] })).toBe(true);
  });

  it('on close refuses every waiting request and every later one with the close error, and stops its timers', async () => {
    vi.useFakeTimers();
    const { sent, requests } = setup();
    const waiting = [requests.request({ t: 'devices.list' }), requests.request({ t: 'presets.list' })];
    const closed = new Error('The connection closed.');
    requests.close(closed);
    requests.close(new Error('a second close changes nothing'));
    for (const p of waiting) expect(await rejection(p)).toBe(closed);
    expect(vi.getTimerCount()).toBe(0);
    expect(await rejection(requests.request({ t: 'status' }))).toBe(closed);
    expect(sent).toHaveLength(2);
  });
});
