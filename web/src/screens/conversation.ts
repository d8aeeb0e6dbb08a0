// An ACP session as a conversation: the agent's messages streaming in, its plan, tool calls with their
// diffs, and its permission requests docked above the composer with the agent's own answers. Attaches
// with the last event number seen, so a reconnect shows nothing twice and loses nothing; acks what it
// has shown. Loaded only when such a session is opened (a separate chunk of the bundle).
import {
  type ConversationItem,
  type PermissionItem,
  parseEventsBody,
  parseSnapshotBody,
  type ToolItem,
} from '../../../cli/src/conversation/events.js';
import { Conversation } from '../../../cli/src/conversation/fold.js';
import { permissionPrompt, renderItem } from '../conversation-items.js';
import { exitSentence } from '../format.js';
import type { AppContext, Screen } from '../model.js';
import { connectionParts, endSession, sessionChrome } from '../session-chrome.js';
import { errorMessage, h, keepFocus, toast } from '../ui.js';

/** Within this many pixels of the end, the list follows new content. */
const FOLLOW_SLACK_PX = 48;
/** Tallest the prompt field grows, in lines. */
const MAX_PROMPT_ROWS = 6;

export function conversationScreen(ctx: AppContext, sessionId: string): Screen {
  const { link, model } = ctx;
  const itemContext = { selfName: ctx.device.deviceName };
  let conversation = new Conversation();
  /** Number of the last event shown; undefined before the first snapshot. */
  let seq: number | undefined;
  const elements = new Map<ConversationItem, HTMLElement>();
  const dirty = new Set<ConversationItem>();
  let rebuild = false;
  let frame = 0;
  let disposed = false;
  let exited = false;
  let answering: string | undefined;
  let follow = true;

  // ---- Layout ----------------------------------------------------------------------------------
  const chrome = sessionChrome(model.session(sessionId)?.name ?? 'Agent', {
    back: () => ctx.back(),
    end: () => void endSession(link, sessionId, 'The conversation stays readable with `paseo logs`.'),
  });
  const { title, dot, endButton, exitBar, exitText, missing } = chrome;
  const conn = connectionParts(link, dot, () => link.welcome?.hostname ?? ctx.device.hostname);
  const subtitle = h('span', { class: 'conv-sub', testid: 'agent-activity' });
  const list = h('div', { class: 'conv-items', testid: 'conversation', attrs: { role: 'log', 'aria-live': 'polite' } });
  const working = h(
    'div',
    { class: 'working', testid: 'working', attrs: { hidden: true, role: 'status' } },
    h('span', { class: 'dots' }, h('span'), h('span'), h('span')),
    h('span', { class: 'working-text' }),
  );
  const empty = h('p', { class: 'conv-empty muted', text: 'Tell the agent what to do.' });
  const scroller = h('main', { class: 'conv-scroll' }, empty, list, working);
  const dock = h('div', { class: 'perm-dock', testid: 'permission-dock' });
  const input = h('textarea', {
    class: 'prompt-input',
    testid: 'prompt-input',
    attrs: { rows: '1', placeholder: 'Message the agent', 'aria-label': 'Prompt', enterkeyhint: 'send' },
  });
  const sendButton = keepFocus(
    h('button', {
      class: 'primary send',
      testid: 'send-prompt',
      text: 'Send',
      attrs: { type: 'submit', disabled: true },
    }),
  );
  const stopButton = keepFocus(
    h('button', {
      class: 'danger-outline stop',
      testid: 'cancel-turn',
      text: 'Stop',
      attrs: { type: 'button', hidden: true, 'aria-label': 'Cancel this turn' },
      on: { click: () => void cancelTurn() },
    }),
  );
  const composer = h('form', { class: 'composer', testid: 'composer' }, input, stopButton, sendButton);
  const el = h(
    'div',
    { class: 'screen conversation-screen', testid: 'conversation-screen', attrs: { 'data-session-id': sessionId } },
    h(
      'header',
      { class: 'bar term-bar' },
      chrome.back,
      h('div', { class: 'bar-title' }, title, h('span', { class: 'conv-status' }, dot, subtitle)),
      endButton,
    ),
    conn.banner,
    scroller,
    missing,
    dock,
    composer,
    exitBar,
  );

  // ---- Rendering ---------------------------------------------------------------------------------
  scroller.addEventListener('scroll', () => {
    follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < FOLLOW_SLACK_PX;
  });

  const schedule = (): void => {
    if (!frame) frame = requestAnimationFrame(render);
  };

  function render(): void {
    frame = 0;
    if (disposed) return;
    if (rebuild) {
      rebuild = false;
      dirty.clear();
      elements.clear();
      list.replaceChildren();
    }
    for (const item of dirty) {
      const old = elements.get(item);
      if (!old) continue;
      const next = renderItem(item, itemContext);
      old.replaceWith(next);
      elements.set(item, next);
    }
    dirty.clear();
    for (const item of conversation.items) {
      if (elements.has(item)) continue;
      const next = renderItem(item, itemContext);
      elements.set(item, next);
      list.append(next);
    }
    empty.hidden = conversation.items.length > 0 || exited;
    renderState();
    if (follow) scroller.scrollTop = scroller.scrollHeight;
  }

  /** The docked permission prompt, the working indicator and the composer. */
  function renderState(): void {
    const info = model.session(sessionId);
    const pending = conversation.pendingPermissions();
    const first = pending[0];
    if (!first || exited) dock.replaceChildren();
    else if (
      dock.firstElementChild?.getAttribute('data-request-id') !== first.id ||
      dock.dataset.count !== String(pending.length)
    ) {
      dock.replaceChildren(permissionPrompt(first, toolOf(first), pending.length, (o) => void answer(first, o.id)));
      dock.dataset.count = String(pending.length);
    }
    const starting = info?.activity === 'starting' && !conversation.working;
    const busy = conversation.working && !exited;
    working.hidden = !(busy || starting) || first !== undefined;
    (working.lastElementChild as HTMLElement).textContent = starting ? 'Starting the agent…' : 'Working…';
    stopButton.hidden = !busy;
    sendButton.hidden = busy;
    sendButton.disabled = input.value.trim() === '' || exited;
    subtitle.textContent = [
      info?.agent,
      first ? 'needs approval' : busy ? 'working' : starting ? 'starting' : exited ? 'ended' : 'ready',
    ]
      .filter(Boolean)
      .join(' · ');
  }

  function toolOf(p: PermissionItem): ToolItem | undefined {
    return conversation.items.findLast((i): i is ToolItem => i.t === 'tool' && i.id === p.toolCallId);
  }

  // ---- The feed: snapshot, events, acks ------------------------------------------------------------
  const offMessage = link.onMessage((msg, body) => {
    if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
    try {
      if (msg.t === 'session.conversation') {
        conversation = new Conversation(parseSnapshotBody(body));
        seq = msg.seq;
        rebuild = true;
        follow = true;
      } else if (msg.t === 'session.events') {
        const events = parseEventsBody(body);
        const first = msg.seq - events.length + 1;
        const fresh = seq === undefined ? events : events.slice(Math.max(0, seq + 1 - first));
        for (const e of fresh) {
          const change = conversation.apply(e);
          for (const item of change.changed) dirty.add(item);
          for (const item of change.dropped) {
            elements.get(item)?.remove();
            elements.delete(item);
          }
        }
        seq = Math.max(seq ?? 0, msg.seq);
      } else if (msg.t === 'session.exit') {
        showExit(msg.exitCode, msg.signal, msg.by);
        return;
      } else return;
      link.send({ t: 'session.ack', sessionId, seq: msg.seq });
      schedule();
    } catch (err) {
      console.debug('paseo: a conversation message could not be read', err);
    }
  });

  const attach = (): void => {
    if (disposed) return;
    link.send({ t: 'session.attach', sessionId, ...(seq !== undefined ? { afterSeq: seq } : {}) });
  };

  function showExit(exitCode: number | null, signal: string | null, by?: string): void {
    exited = true;
    exitText.textContent = by
      ? exitSentence(exitCode, signal, by)
      : signal
        ? `The agent was ended by ${signal}.`
        : `The agent exited (code ${exitCode ?? '?'}).`;
    exitBar.hidden = false;
    composer.hidden = true;
    endButton.hidden = true;
    schedule();
  }

  // ---- Actions ---------------------------------------------------------------------------------------
  composer.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void sendPrompt();
  });
  input.addEventListener('input', () => {
    fitInput();
    sendButton.disabled = input.value.trim() === '' || exited;
  });
  input.addEventListener('keydown', (ev) => {
    // With a keyboard, Enter sends and Shift-Enter starts a new line; on a phone Enter is a new line.
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing && matchMedia('(pointer: fine)').matches) {
      ev.preventDefault();
      void sendPrompt();
    }
  });

  function fitInput(): void {
    input.style.height = 'auto';
    const line = Number.parseFloat(getComputedStyle(input).lineHeight) || 22;
    input.style.height = `${Math.min(input.scrollHeight + 2, line * MAX_PROMPT_ROWS + 22)}px`;
  }

  async function sendPrompt(): Promise<void> {
    const text = input.value.trim();
    if (!text || exited || sendButton.disabled) return;
    sendButton.disabled = true;
    try {
      await link.request({ t: 'session.send', sessionId }, new TextEncoder().encode(text));
      input.value = '';
      fitInput();
      follow = true;
    } catch (err) {
      toast(errorMessage(err, 'The prompt could not be sent.'), 'error');
    } finally {
      renderState();
    }
  }

  async function cancelTurn(): Promise<void> {
    try {
      await link.request({ t: 'session.cancel', sessionId });
    } catch (err) {
      toast(errorMessage(err, 'The turn could not be cancelled.'), 'error');
    }
  }

  async function answer(request: PermissionItem, optionId: string): Promise<void> {
    if (answering === request.id) return;
    answering = request.id;
    for (const b of dock.querySelectorAll('button')) b.disabled = true;
    try {
      await link.request({ t: 'session.permit', sessionId, requestId: request.id, optionId });
    } catch (err) {
      toast(errorMessage(err, 'The answer could not be sent.'), 'error');
      dock.replaceChildren(); // re-rendered from the conversation: gone if someone else answered
    } finally {
      answering = undefined;
      schedule();
    }
  }

  // ---- Session info and connection state ------------------------------------------------------------
  const renderInfo = (): void => {
    const info = model.session(sessionId);
    if (info) title.textContent = info.name;
    if (info?.state === 'exited' && !exited) showExit(info.exitCode, info.signal);
    missing.hidden = !(model.sessions && !info && !exited);
    renderState();
  };
  const offModel = model.onChange(renderInfo);
  const offConnected = link.onConnected(attach);
  renderInfo();
  if (link.state === 'connected') attach();

  return {
    el,
    dispose: () => {
      disposed = true;
      cancelAnimationFrame(frame);
      link.send({ t: 'session.detach', sessionId });
      offMessage();
      offModel();
      conn.dispose();
      offConnected();
    },
  };
}
