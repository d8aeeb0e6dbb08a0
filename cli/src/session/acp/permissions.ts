// Permission requests of an ACP agent waiting for a person. Any device may answer; the first answer
// wins and a later one is told who answered. Nobody answering within the timeout gets the safe answer:
// the agent's reject option (or "cancelled" if it offered none). Cancelling the turn, the agent
// withdrawing its request, or the agent stopping settles it as cancelled. Every settlement is one
// `answer` event in the conversation.
import type { RequestPermissionResponse } from '@agentclientprotocol/sdk';
import type { PermissionRequestInfo } from '../../channel/messages.js';
import { type AnswerOutcome, clip, type EventOf, type PermissionOption } from '../../conversation/events.js';
import { SessionError } from '../errors.js';

/** Answered requests remembered to tell a late second answer what happened. */
const REMEMBERED_ANSWERS = 100;
/** Waiting requests listed with a session (the oldest), and the length of their texts there. */
const LISTED_REQUESTS = 3;
const LISTED_TEXT_CHARS = 200;

interface Pending {
  event: EventOf<'permission'>;
  /** The agent's own option ids, in the order of `event.options`. */
  agentOptionIds: string[];
  expiresAtMs: number;
  timer: NodeJS.Timeout;
  resolve(response: RequestPermissionResponse): void;
}

/** The permission requests of one session. */
export class PermissionBroker {
  private readonly pendingById = new Map<string, Pending>();
  private readonly answered = new Map<string, string>();

  /** `emit` appends an `answer` event; `changed` tells the session its list of requests changed. */
  constructor(
    private readonly timeoutMs: number,
    private readonly emit: (event: EventOf<'answer'>) => void,
    private readonly changed: () => void,
  ) {}

  /** Number of requests waiting for an answer. */
  get count(): number {
    return this.pendingById.size;
  }

  /**
   * The oldest requests waiting for an answer, as listed with the session: at most LISTED_REQUESTS,
   * with short texts (session lists travel in one message header; the conversation has them whole).
   */
  pending(): PermissionRequestInfo[] {
    return [...this.pendingById.values()].slice(0, LISTED_REQUESTS).map((p) => ({
      id: p.event.id,
      title: clip(p.event.title, LISTED_TEXT_CHARS),
      options: p.event.options.map((o) => ({ ...o, name: clip(o.name, LISTED_TEXT_CHARS) })),
      expiresAt: new Date(p.expiresAtMs).toISOString(),
    }));
  }

  /** Waits for an answer to a request (already shown as `event`); `signal` aborts when the agent withdraws it. */
  ask(event: EventOf<'permission'>, agentOptionIds: string[], signal: AbortSignal): Promise<RequestPermissionResponse> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.settle(event.id, 'timeout', safeOption(event.options), undefined),
        this.timeoutMs,
      );
      this.pendingById.set(event.id, {
        event,
        agentOptionIds,
        expiresAtMs: Date.now() + this.timeoutMs,
        timer,
        resolve,
      });
      signal.addEventListener('abort', () => this.settle(event.id, 'cancelled', undefined, 'the agent'));
      if (signal.aborted) this.settle(event.id, 'cancelled', undefined, 'the agent');
      this.changed();
    });
  }

  /** A person chose `optionId`; throws SessionError if the request is settled or the option unknown. */
  answer(requestId: string, optionId: string, by: string): void {
    const pending = this.pendingById.get(requestId);
    if (!pending) {
      const what = this.answered.get(requestId);
      if (what) throw new SessionError('failed', `That request was already answered: ${what}.`);
      throw new SessionError('not-found', 'There is no such permission request.');
    }
    const option = pending.event.options.find((o) => o.id === optionId);
    if (!option) {
      const offered = pending.event.options.map((o) => `"${o.name}"`).join(', ');
      throw new SessionError('bad-request', `That is not one of the agent's answers (${offered}).`);
    }
    this.settle(requestId, 'selected', option, by);
  }

  /** Settles every waiting request as cancelled (the turn was cancelled, or the agent stopped). */
  cancelAll(by: string | undefined): void {
    for (const id of [...this.pendingById.keys()]) this.settle(id, 'cancelled', undefined, by);
  }

  private settle(
    id: string,
    outcome: AnswerOutcome,
    option: PermissionOption | undefined,
    by: string | undefined,
  ): void {
    const pending = this.pendingById.get(id);
    if (!pending) return;
    this.pendingById.delete(id);
    clearTimeout(pending.timer);
    this.remember(id, describe(outcome, option, by));
    this.emit({
      t: 'answer',
      at: new Date().toISOString(),
      id,
      outcome,
      optionId: option?.id ?? null,
      ...(by ? { by } : {}),
    });
    const index = option ? pending.event.options.indexOf(option) : -1;
    const agentOptionId = index >= 0 ? pending.agentOptionIds[index] : undefined;
    pending.resolve({
      outcome: agentOptionId ? { outcome: 'selected', optionId: agentOptionId } : { outcome: 'cancelled' },
    });
    this.changed();
  }

  private remember(id: string, what: string): void {
    this.answered.set(id, what);
    if (this.answered.size > REMEMBERED_ANSWERS) this.answered.delete(this.answered.keys().next().value as string);
  }
}

/** The safe answer: the agent's first "reject once" option, else its first "reject always". */
export function safeOption(options: readonly PermissionOption[]): PermissionOption | undefined {
  return options.find((o) => o.kind === 'reject_once') ?? options.find((o) => o.kind === 'reject_always');
}

function describe(outcome: AnswerOutcome, option: PermissionOption | undefined, by: string | undefined): string {
  if (outcome === 'selected') return `“${option?.name ?? '?'}”${by ? ` by ${by}` : ''}`;
  if (outcome === 'timeout') return 'nobody answered in time, so it was rejected';
  return `it was cancelled${by ? ` by ${by}` : ''}`;
}
