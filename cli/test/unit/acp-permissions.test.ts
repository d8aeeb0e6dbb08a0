// Permission requests of an ACP agent waiting for a person: the first answer wins, later ones are told
// what happened, nobody answering in time gets the agent's reject option, and the agent withdrawing a
// request or a cancelled turn settles it. Each settlement is one `answer` event and one reply to the agent.
import type { RequestPermissionResponse } from '@agentclientprotocol/sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventOf, PermissionOption } from '../../src/conversation/events.js';
import { PermissionBroker, safeOption } from '../../src/session/acp/permissions.js';
import { SessionError } from '../../src/session/errors.js';

const NOW = Date.parse('2025-01-02T03:04:05.000Z');
const TIMEOUT_MS = 60_000;
const OPTIONS: PermissionOption[] = [
  { id: 'p0', name: 'Allow', kind: 'allow_once' },
  { id: 'p1', name: 'Always allow', kind: 'allow_always' },
  { id: 'p2', name: 'Deny', kind: 'reject_once' },
];
/** The agent's own ids for OPTIONS. */
const AGENT_IDS = ['allow', 'always', 'deny'];

const request = (id: string, options = OPTIONS, title = 'Edit a.ts'): EventOf<'permission'> => ({
  t: 'permission',
  at: new Date(NOW).toISOString(),
  id,
  toolCallId: 'c1',
  title,
  options,
});

function broker() {
  const answers: EventOf<'answer'>[] = [];
  let changes = 0;
  const b = new PermissionBroker(
    TIMEOUT_MS,
    (e) => answers.push(e),
    () => changes++,
  );
  const replies = new Map<string, RequestPermissionResponse>();
  const ask = (id: string, signal = new AbortController().signal, options = OPTIONS, ids = AGENT_IDS) => {
    void b.ask(request(id, options), ids, signal).then((r) => replies.set(id, r));
  };
  return { b, answers, replies, ask, changes: () => changes };
}

/** The SessionError `fn` throws, as code and message. */
function thrown(fn: () => void): { code: string; message: string } | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof SessionError) return { code: e.code, message: e.message };
    throw e;
  }
  return undefined;
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('answering a permission request', () => {
  it('replies to the agent with its own id for the option a person chose, once', async () => {
    const { b, answers, replies, ask, changes } = broker();
    ask('r1');
    expect(b.count).toBe(1);
    expect(changes()).toBe(1);
    vi.advanceTimersByTime(1000);
    b.answer('r1', 'p1', 'Pixel 8');
    await Promise.resolve();
    expect(replies.get('r1')).toEqual({ outcome: { outcome: 'selected', optionId: 'always' } });
    expect(answers).toEqual([
      {
        t: 'answer',
        at: new Date(NOW + 1000).toISOString(),
        id: 'r1',
        outcome: 'selected',
        optionId: 'p1',
        by: 'Pixel 8',
      },
    ]);
    expect(b.count).toBe(0);
    expect(b.pending()).toEqual([]);
    expect(changes()).toBe(2);
    expect(vi.getTimerCount()).toBe(0); // no timeout left waiting
  });

  it('tells a later answer who answered first, and what', () => {
    const { b, ask } = broker();
    ask('r1');
    ask('r2');
    b.answer('r1', 'p0', 'Pixel 8');
    expect(thrown(() => b.answer('r1', 'p2', 'iPad'))).toEqual({
      code: 'failed',
      message: 'That request was already answered: “Allow” by Pixel 8.',
    });
    b.answer('r2', 'p2', '');
    expect(thrown(() => b.answer('r2', 'p0', 'iPad'))?.message).toBe('That request was already answered: “Deny”.');
  });

  it('refuses an answer to a request it never had', () => {
    const { b } = broker();
    expect(thrown(() => b.answer('nope', 'p0', 'iPad'))).toEqual({
      code: 'not-found',
      message: 'There is no such permission request.',
    });
  });

  it('refuses an option the agent did not offer, naming those it did, and keeps waiting', () => {
    const { b, ask, answers } = broker();
    ask('r1');
    expect(thrown(() => b.answer('r1', 'allow', 'iPad'))).toEqual({
      code: 'bad-request',
      message: 'That is not one of the agent\'s answers ("Allow", "Always allow", "Deny").',
    });
    expect(b.count).toBe(1);
    expect(answers).toEqual([]);
  });

  it('remembers the last 100 answers for a late second answer', () => {
    const { b, ask } = broker();
    for (let i = 0; i <= 100; i++) {
      ask(`r${i}`);
      b.answer(`r${i}`, 'p0', 'Pixel 8');
    }
    expect(thrown(() => b.answer('r0', 'p0', 'iPad'))?.code).toBe('not-found');
    expect(thrown(() => b.answer('r1', 'p0', 'iPad'))?.code).toBe('failed');
    expect(thrown(() => b.answer('r100', 'p0', 'iPad'))?.code).toBe('failed');
  });
});

describe('requests nobody answers', () => {
  it('rejects a request nobody answered in time with the agent reject option', async () => {
    const { b, answers, replies, ask } = broker();
    ask('r1');
    vi.advanceTimersByTime(TIMEOUT_MS - 1);
    expect(answers).toEqual([]);
    vi.advanceTimersByTime(1);
    await Promise.resolve();
    expect(answers).toEqual([
      { t: 'answer', at: new Date(NOW + TIMEOUT_MS).toISOString(), id: 'r1', outcome: 'timeout', optionId: 'p2' },
    ]);
    expect(replies.get('r1')).toEqual({ outcome: { outcome: 'selected', optionId: 'deny' } });
    expect(thrown(() => b.answer('r1', 'p0', 'iPad'))?.message).toBe(
      'That request was already answered: nobody answered in time, so it was rejected.',
    );
  });

  it('cancels a request that timed out when the agent offered no way to reject', async () => {
    const { answers, replies, ask } = broker();
    ask('r1', undefined, OPTIONS.slice(0, 2), AGENT_IDS.slice(0, 2));
    vi.advanceTimersByTime(TIMEOUT_MS);
    await Promise.resolve();
    expect(answers).toMatchObject([{ outcome: 'timeout', optionId: null }]);
    expect(replies.get('r1')).toEqual({ outcome: { outcome: 'cancelled' } });
  });

  it('lists the three oldest waiting requests, with short texts and when they expire', () => {
    const { b, ask } = broker();
    const long = 'n'.repeat(300);
    void b.ask(
      request('r0', [{ id: 'p0', name: long, kind: 'allow_once' }], long),
      ['a'],
      new AbortController().signal,
    );
    vi.advanceTimersByTime(5000);
    for (const id of ['r1', 'r2', 'r3']) ask(id);
    expect(b.count).toBe(4);
    const listed = b.pending();
    expect(listed.map((p) => p.id)).toEqual(['r0', 'r1', 'r2']);
    expect(listed[0]).toEqual({
      id: 'r0',
      title: `${'n'.repeat(199)}…`,
      options: [{ id: 'p0', name: `${'n'.repeat(199)}…`, kind: 'allow_once' }],
      expiresAt: new Date(NOW + TIMEOUT_MS).toISOString(),
    });
    expect(listed[1]).toEqual({
      id: 'r1',
      title: 'Edit a.ts',
      options: OPTIONS,
      expiresAt: new Date(NOW + 5000 + TIMEOUT_MS).toISOString(),
    });
  });
});

describe('requests that end without an answer', () => {
  it('settles a request the agent withdraws as cancelled by the agent', async () => {
    const { b, answers, replies, ask, changes } = broker();
    const withdraw = new AbortController();
    ask('r1', withdraw.signal);
    withdraw.abort();
    await Promise.resolve();
    expect(answers).toEqual([
      { t: 'answer', at: new Date(NOW).toISOString(), id: 'r1', outcome: 'cancelled', optionId: null, by: 'the agent' },
    ]);
    expect(replies.get('r1')).toEqual({ outcome: { outcome: 'cancelled' } });
    expect(b.count).toBe(0);
    expect(changes()).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
    expect(thrown(() => b.answer('r1', 'p0', 'iPad'))?.message).toBe(
      'That request was already answered: it was cancelled by the agent.',
    );
  });

  it('settles at once a request the agent withdrew before it was asked', async () => {
    const { b, answers, replies, ask } = broker();
    ask('r1', AbortSignal.abort());
    await Promise.resolve();
    expect(answers).toMatchObject([{ id: 'r1', outcome: 'cancelled', by: 'the agent' }]);
    expect(replies.get('r1')).toEqual({ outcome: { outcome: 'cancelled' } });
    expect(b.count).toBe(0);
  });

  it('ignores the agent withdrawing a request that was answered already', () => {
    const { b, answers, ask } = broker();
    const withdraw = new AbortController();
    ask('r1', withdraw.signal);
    b.answer('r1', 'p0', 'iPad');
    withdraw.abort();
    vi.advanceTimersByTime(TIMEOUT_MS);
    expect(answers).toMatchObject([{ id: 'r1', outcome: 'selected' }]);
  });

  it('cancels every waiting request when the turn is cancelled, naming who cancelled it if known', async () => {
    const { b, answers, replies, ask } = broker();
    ask('r1');
    ask('r2');
    b.cancelAll('iPad');
    ask('r3');
    b.cancelAll(undefined);
    await Promise.resolve();
    expect(answers.map((a) => [a.id, a.outcome, a.optionId, a.by])).toEqual([
      ['r1', 'cancelled', null, 'iPad'],
      ['r2', 'cancelled', null, 'iPad'],
      ['r3', 'cancelled', null, undefined],
    ]);
    expect('by' in (answers[2] as object)).toBe(false);
    expect([...replies.values()]).toEqual(Array(3).fill({ outcome: { outcome: 'cancelled' } }));
    expect(thrown(() => b.answer('r1', 'p0', 'Pixel 8'))?.message).toBe(
      'That request was already answered: it was cancelled by iPad.',
    );
    expect(thrown(() => b.answer('r3', 'p0', 'Pixel 8'))?.message).toBe(
      'That request was already answered: it was cancelled.',
    );
  });
});

describe('the safe answer', () => {
  it('is the first "reject once" option, else the first "reject always", else none', () => {
    const always: PermissionOption = { id: 'ra', name: 'Never', kind: 'reject_always' };
    const once: PermissionOption = { id: 'ro', name: 'Not now', kind: 'reject_once' };
    expect(safeOption([OPTIONS[0] as PermissionOption, always, once])).toBe(once);
    expect(safeOption([OPTIONS[0] as PermissionOption, always, { ...always, id: 'ra2' }])).toBe(always);
    expect(safeOption(OPTIONS.slice(0, 2))).toBeUndefined();
  });
});
