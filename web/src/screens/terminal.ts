// One session's terminal: xterm.js fitted to the screen above the key bar. Attaches with the last seq
// seen (so a reconnect shows nothing twice and loses nothing), acks output after xterm processed it,
// sends keys and size. When another device sized the session, it is shown at that size (pan to see it)
// until this device types or taps Fit.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { utf8 } from '../../../cli/src/channel/encoding.js';
import { exitSentence } from '../format.js';
import { keybar } from '../keybar.js';
import { binaryStringToBytes, withCtrl } from '../keys.js';
import type { AppContext, Screen } from '../model.js';
import { askForPaste } from '../paste.js';
import { SessionStream } from '../session-stream.js';
import { TERMINAL_FONT, terminalFontSize } from '../terminal-size.js';
import { TERMINAL_THEME } from '../terminal-theme.js';
import { touchScroll } from '../touch-scroll.js';
import { confirmDialog, errorMessage, h, keepFocus, toast } from '../ui.js';

/** Wait this long after the last size change before telling the daemon, in milliseconds. */
const RESIZE_DEBOUNCE_MS = 150;

type Size = { cols: number; rows: number };
const same = (a: Size | undefined, b: Size | undefined): boolean =>
  !!a && !!b && a.cols === b.cols && a.rows === b.rows;

export function terminalScreen(ctx: AppContext, sessionId: string): Screen {
  const { link, model } = ctx;
  let exited = false;
  let disposed = false;
  let opened = false;
  /** The size that fits this screen. */
  let fitted: Size | undefined;
  /** The session's size as last announced by the daemon (snapshot, resized). */
  let sessionSize: Size | undefined;
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  let lastDropWarning = 0;

  const term = new Terminal({
    fontFamily: TERMINAL_FONT,
    fontSize: terminalFontSize(),
    scrollback: 5000,
    cursorBlink: false,
    macOptionIsMeta: true,
    theme: TERMINAL_THEME,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);

  // ---- Layout ----------------------------------------------------------------------------------
  const back = keepFocus(
    h('button', {
      class: 'icon-button',
      testid: 'back',
      text: '←',
      attrs: { 'aria-label': 'Back to sessions' },
      on: { click: () => ctx.back() },
    }),
  );
  const title = h('span', {
    class: 'term-title',
    testid: 'session-title',
    text: model.session(sessionId)?.name ?? 'Session',
  });
  const dot = h(
    'span',
    { class: 'conn compact', testid: 'conn-state' },
    h('span', { class: 'dot' }),
    h('span', { class: 'conn-label' }),
  );
  const fitButton = keepFocus(
    h('button', {
      class: 'chip',
      testid: 'fit-button',
      text: 'Fit',
      attrs: { hidden: true, 'aria-label': 'Fit the session to this screen' },
      on: { click: () => claimSize() },
    }),
  );
  const endButton = keepFocus(
    h('button', {
      class: 'danger-outline small',
      testid: 'end-session',
      text: 'End',
      attrs: { 'aria-label': 'End session' },
      on: { click: () => void endSession() },
    }),
  );
  const host = h('div', { class: 'term-host', testid: 'terminal' });
  // The size in cells, for tests and accessibility tools.
  const showSize = () => {
    host.dataset.cols = String(term.cols);
    host.dataset.rows = String(term.rows);
  };
  showSize();
  term.onResize(showSize);
  const wrap = h('div', { class: 'term-wrap' }, host);
  const exitText = h('span', { testid: 'exit-text' });
  const exitBar = h(
    'div',
    { class: 'exit-bar', testid: 'exit-bar', attrs: { hidden: true, role: 'status' } },
    exitText,
    h('button', {
      class: 'primary small',
      testid: 'exit-back',
      text: 'Back to sessions',
      on: { click: () => ctx.back() },
    }),
  );
  const missing = h(
    'div',
    { class: 'overlay', testid: 'session-missing', attrs: { hidden: true } },
    h('p', { text: 'This session no longer exists.' }),
    h('button', { class: 'primary', text: 'Back to sessions', on: { click: () => ctx.back() } }),
  );
  const keys = keybar({
    send: (data) => typeInput(data, false),
    applicationCursor: () => term.modes.applicationCursorKeysMode,
  });
  const pasteButton = keepFocus(
    h('button', {
      class: 'secondary small',
      testid: 'keybar-paste',
      text: 'Paste',
      on: {
        click: () => {
          keys.releaseCtrl();
          void paste();
        },
      },
    }),
  );
  const el = h(
    'div',
    { class: 'screen terminal-screen', testid: 'terminal-screen', attrs: { 'data-session-id': sessionId } },
    h(
      'header',
      { class: 'bar term-bar' },
      back,
      h('div', { class: 'bar-title' }, title, dot),
      fitButton,
      pasteButton,
      endButton,
    ),
    wrap,
    missing,
    exitBar,
    keys.el,
  );

  // ---- Output: snapshot, live bytes, acks --------------------------------------------------------
  const stream = new SessionStream(
    {
      reset: () => term.reset(),
      resize: (cols, rows) => {
        if (term.cols !== cols || term.rows !== rows) term.resize(cols, rows);
      },
      write: (data, cb) => term.write(data, cb),
    },
    (seq) => link.send({ t: 'session.ack', sessionId, seq }),
  );

  const showExit = (exitCode: number | null, signal: string | null): void => {
    exited = true;
    exitText.textContent = exitSentence(exitCode, signal);
    exitBar.hidden = false;
    keys.el.hidden = true;
    endButton.hidden = true;
    pasteButton.hidden = true;
    fitButton.hidden = true;
    term.options.disableStdin = true;
    term.write('\x1b[?25l'); // no blinking cursor in a session that has ended
    requestAnimationFrame(refit);
  };

  const attach = (): void => {
    if (disposed || !opened) return;
    stream.resetAcks();
    const size = fitted ?? term;
    const afterSeq = stream.lastSeq;
    link.send({
      t: 'session.attach',
      sessionId,
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      cols: size.cols,
      rows: size.rows,
    });
    if (!exited && !sizedByOther()) link.send({ t: 'session.resize', sessionId, cols: size.cols, rows: size.rows });
  };

  const offMessage = link.onMessage((msg, body) => {
    if (msg.t === 'error' && msg.rid === undefined) {
      toast(msg.message, 'error');
      return;
    }
    if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
    switch (msg.t) {
      case 'session.snapshot':
        stream.snapshot(msg.seq, msg.cols, msg.rows, body);
        sessionSize = { cols: msg.cols, rows: msg.rows };
        updateSizing();
        break;
      case 'session.output':
        stream.output(msg.seq, body);
        break;
      case 'session.resized':
        sessionSize = { cols: msg.cols, rows: msg.rows };
        if (term.cols !== msg.cols || term.rows !== msg.rows) term.resize(msg.cols, msg.rows);
        updateSizing();
        break;
      case 'session.exit':
        showExit(msg.exitCode, msg.signal);
        break;
    }
  });

  // ---- Size: fit this screen, follow the device that types -----------------------------------------
  /** True when the session is shown at a size another device chose. */
  function sizedByOther(): boolean {
    return sessionSize !== undefined && fitted !== undefined && !same(sessionSize, fitted);
  }

  function updateSizing(): void {
    const other = sizedByOther() && !exited;
    fitButton.hidden = !other;
    wrap.classList.toggle('pannable', other);
    if (!other && fitted && (term.cols !== fitted.cols || term.rows !== fitted.rows))
      term.resize(fitted.cols, fitted.rows);
  }

  function sendResizeSoon(): void {
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      resizeTimer = undefined;
      if (fitted && !exited) link.send({ t: 'session.resize', sessionId, cols: fitted.cols, rows: fitted.rows });
    }, RESIZE_DEBOUNCE_MS);
  }

  /** This device takes the session's size: fit this screen and tell the daemon now. */
  function claimSize(): void {
    if (!fitted || exited) return;
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = undefined;
    sessionSize = fitted;
    term.resize(fitted.cols, fitted.rows);
    link.send({ t: 'session.resize', sessionId, cols: fitted.cols, rows: fitted.rows });
    updateSizing();
  }

  function refit(): void {
    if (disposed || host.clientWidth === 0 || host.clientHeight === 0) return;
    const dims = fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return;
    const next = { cols: Math.min(dims.cols, 1000), rows: Math.min(dims.rows, 500) };
    if (same(next, fitted)) return;
    const wasFollowing = !sizedByOther();
    fitted = next;
    if (wasFollowing) {
      // This device drives the size: adopt it and tell the daemon (debounced while the keyboard slides).
      sessionSize = next;
      if (term.cols !== next.cols || term.rows !== next.rows) term.resize(next.cols, next.rows);
      sendResizeSoon();
    }
    updateSizing();
  }

  let frame = 0;
  const scheduleRefit = (): void => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(refit);
  };
  const observer = new ResizeObserver(scheduleRefit);
  observer.observe(wrap);
  window.visualViewport?.addEventListener('resize', scheduleRefit);

  // ---- Input -----------------------------------------------------------------------------------
  function typeInput(data: string, fromKeyboard: boolean): void {
    if (exited || disposed) return;
    let text = data;
    if (fromKeyboard && keys.ctrl) {
      text = withCtrl(data);
      keys.releaseCtrl();
    }
    sendBytes(utf8(text));
  }

  function sendBytes(bytes: Uint8Array): void {
    if (sizedByOther()) claimSize();
    if (!link.send({ t: 'session.input', sessionId }, bytes) && Date.now() - lastDropWarning > 3000) {
      lastDropWarning = Date.now();
      toast('Not connected right now, so that was not sent.', 'error');
    }
  }

  term.onData((data) => typeInput(data, true));
  // Swipes scroll the scrollback (not while panning a terminal sized by another device).
  const offTouch = touchScroll(host, term, () => !sizedByOther());
  term.onBinary((data) => !exited && sendBytes(binaryStringToBytes(data)));

  async function paste(): Promise<void> {
    const text = await askForPaste();
    if (text && !disposed && !exited) term.paste(text);
    if (!disposed && !matchMedia('(pointer: coarse)').matches) term.focus();
  }

  async function endSession(): Promise<void> {
    const ok = await confirmDialog({
      title: 'End this session?',
      message: 'This stops the agent. What it printed stays visible here.',
      confirm: 'End session',
      danger: true,
    });
    if (!ok) return;
    try {
      await link.request({ t: 'session.kill', sessionId });
    } catch (err) {
      toast(errorMessage(err, 'The session could not be ended.'), 'error');
    }
  }

  // ---- Session info and connection state ------------------------------------------------------------
  const renderInfo = (): void => {
    const info = model.session(sessionId);
    if (info) title.textContent = info.name;
    if (info?.state === 'exited' && !exited) showExit(info.exitCode, info.signal);
    missing.hidden = !(model.sessions && !info && !exited);
  };
  const renderState = (): void => {
    dot.dataset.state = link.state;
    (dot.lastElementChild as HTMLElement).textContent =
      link.state === 'connected' ? '' : link.state === 'stopped' ? 'Disconnected' : 'Reconnecting…';
  };
  const offModel = model.onChange(renderInfo);
  const offState = link.onState(renderState);
  const offConnected = link.onConnected(attach);

  // Open the terminal once the element is in the document (xterm measures its font there).
  requestAnimationFrame(() => {
    if (disposed) return;
    term.open(host);
    opened = true;
    refit();
    renderInfo();
    renderState();
    if (link.state === 'connected') attach();
    if (!matchMedia('(pointer: coarse)').matches) term.focus();
  });

  return {
    el,
    dispose: () => {
      disposed = true;
      stream.flush();
      stream.dispose();
      link.send({ t: 'session.detach', sessionId });
      if (resizeTimer) clearTimeout(resizeTimer);
      cancelAnimationFrame(frame);
      observer.disconnect();
      window.visualViewport?.removeEventListener('resize', scheduleRefit);
      offMessage();
      offModel();
      offState();
      offConnected();
      offTouch();
      term.dispose();
    },
  };
}
