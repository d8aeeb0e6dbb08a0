// One session's terminal: xterm.js fitted to the screen above the key bar. Attaches with the last seq
// seen (so a reconnect shows nothing twice and loses nothing), acks output after xterm processed it,
// sends keys and size. When another device sized the session, it is shown at that size (pan to see it)
// until this device types or taps Fit.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { utf8 } from '../../../cli/src/channel/encoding.js';
import type { DaemonMessage } from '../../../cli/src/channel/messages.js';
import type { Link } from '../connection.js';
import { exitSentence } from '../format.js';
import { binaryStringToBytes, withCtrl } from '../keys.js';
import type { AppContext, Model, Screen } from '../model.js';
import { askForPaste } from '../paste.js';
import { endSession, showConnection } from '../session-chrome.js';
import { SessionStream } from '../session-stream.js';
import { TERMINAL_FONT, terminalFontSize } from '../terminal-size.js';
import { TERMINAL_THEME } from '../terminal-theme.js';
import { touchScroll } from '../touch-scroll.js';
import { toast } from '../ui.js';
import { type TerminalLayout, terminalLayout } from './terminal-layout.js';

/** Wait this long after the last size change before telling the daemon, in milliseconds. */
const RESIZE_DEBOUNCE_MS = 150;

type Size = { cols: number; rows: number };
const same = (a: Size | undefined, b: Size | undefined): boolean =>
  !!a && !!b && a.cols === b.cols && a.rows === b.rows;

export function terminalScreen(ctx: AppContext, sessionId: string): Screen {
  const screen = new TerminalScreen(ctx, sessionId);
  return { el: screen.ui.el, dispose: () => screen.dispose() };
}

/** The terminal screen of one session, built in named steps by its constructor. */
class TerminalScreen {
  readonly ui: TerminalLayout;
  private readonly link: Link;
  private readonly model: Model;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly stream: SessionStream;
  private readonly observer: ResizeObserver;
  /** Unsubscribes from the link, the model, the viewport and touch scrolling. */
  private readonly offs: (() => void)[] = [];
  private exited = false;
  private disposed = false;
  private opened = false;
  /** The size that fits this screen. */
  private fitted: Size | undefined;
  /** The session's size as last announced by the daemon (snapshot, resized). */
  private sessionSize: Size | undefined;
  private resizeTimer: ReturnType<typeof setTimeout> | undefined;
  private lastDropWarning = 0;
  private frame = 0;
  private readonly scheduleRefit = (): void => {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.refit());
  };

  constructor(
    ctx: AppContext,
    private readonly sessionId: string,
  ) {
    this.link = ctx.link;
    this.model = ctx.model;
    this.term = new Terminal({
      fontFamily: TERMINAL_FONT,
      fontSize: terminalFontSize(),
      scrollback: 5000,
      cursorBlink: false,
      macOptionIsMeta: true,
      theme: TERMINAL_THEME,
    });
    this.term.loadAddon(this.fit);
    this.ui = terminalLayout(sessionId, this.model.session(sessionId)?.name ?? 'Session', {
      back: () => ctx.back(),
      fit: () => this.claimSize(),
      end: () => void endSession(this.link, this.sessionId, 'What it printed stays visible here.'),
      paste: () => void this.paste(),
      type: (data) => this.typeInput(data, false),
      applicationCursor: () => this.term.modes.applicationCursorKeysMode,
    });
    this.showSizeInCells();
    this.stream = this.outputStream();
    this.offs.push(this.link.onMessage((msg, body) => this.receive(msg, body)));
    this.observer = new ResizeObserver(this.scheduleRefit);
    this.watchScreenSize();
    this.takeInput();
    this.followSessionAndLink();
    // Open the terminal once the element is in the document (xterm measures its font there).
    requestAnimationFrame(() => this.open());
  }

  // ---- Steps of the constructor -------------------------------------------------------------------

  /** The size in cells on the host, for tests and accessibility tools. */
  private showSizeInCells(): void {
    const show = () => {
      this.ui.host.dataset.cols = String(this.term.cols);
      this.ui.host.dataset.rows = String(this.term.rows);
    };
    show();
    this.term.onResize(show);
  }

  /** Snapshot and live bytes into xterm.js; acks once it processed them. */
  private outputStream(): SessionStream {
    const term = this.term;
    return new SessionStream(
      {
        reset: () => term.reset(),
        resize: (cols, rows) => {
          if (term.cols !== cols || term.rows !== rows) term.resize(cols, rows);
        },
        write: (data, cb) => term.write(data, cb),
      },
      (seq) => this.link.send({ t: 'session.ack', sessionId: this.sessionId, seq }),
    );
  }

  /** Refit when the screen or the visual viewport (the on-screen keyboard) changes size. */
  private watchScreenSize(): void {
    this.observer.observe(this.ui.wrap);
    const viewport = window.visualViewport;
    viewport?.addEventListener('resize', this.scheduleRefit);
    this.offs.push(() => viewport?.removeEventListener('resize', this.scheduleRefit));
  }

  /** Keys, binary input and swipes (scrollback, not while panning a terminal sized by another device). */
  private takeInput(): void {
    this.term.onData((data) => this.typeInput(data, true));
    this.offs.push(touchScroll(this.ui.host, this.term, () => !this.sizedByOther()));
    this.term.onBinary((data) => !this.exited && this.sendBytes(binaryStringToBytes(data)));
  }

  /** Session name and state from the model; the connection dot; attach after every (re)connection. */
  private followSessionAndLink(): void {
    this.offs.push(this.model.onChange(() => this.renderInfo()));
    this.offs.push(this.link.onState(() => this.renderState()));
    this.offs.push(this.link.onConnected(() => this.attach()));
  }

  private open(): void {
    if (this.disposed) return;
    this.term.open(this.ui.host);
    this.opened = true;
    this.refit();
    this.renderInfo();
    this.renderState();
    if (this.link.state === 'connected') this.attach();
    if (!matchMedia('(pointer: coarse)').matches) this.term.focus();
  }

  // ---- Output: snapshot, live bytes, exit ------------------------------------------------------------

  private attach(): void {
    if (this.disposed || !this.opened) return;
    this.stream.resetAcks();
    const size = this.fitted ?? this.term;
    const afterSeq = this.stream.lastSeq;
    const sessionId = this.sessionId;
    this.link.send({
      t: 'session.attach',
      sessionId,
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      cols: size.cols,
      rows: size.rows,
    });
    if (!this.exited && !this.sizedByOther())
      this.link.send({ t: 'session.resize', sessionId, cols: size.cols, rows: size.rows });
  }

  private receive(msg: DaemonMessage, body: Uint8Array): void {
    if (msg.t === 'error' && msg.rid === undefined) {
      toast(msg.message, 'error');
      return;
    }
    if (!('sessionId' in msg) || msg.sessionId !== this.sessionId) return;
    switch (msg.t) {
      case 'session.snapshot':
        this.stream.snapshot(msg.seq, msg.cols, msg.rows, body);
        this.sessionSize = { cols: msg.cols, rows: msg.rows };
        this.updateSizing();
        break;
      case 'session.output':
        this.stream.output(msg.seq, body);
        break;
      case 'session.resized':
        this.sessionSize = { cols: msg.cols, rows: msg.rows };
        if (this.term.cols !== msg.cols || this.term.rows !== msg.rows) this.term.resize(msg.cols, msg.rows);
        this.updateSizing();
        break;
      case 'session.exit':
        this.showExit(msg.exitCode, msg.signal);
        break;
    }
  }

  private showExit(exitCode: number | null, signal: string | null): void {
    const ui = this.ui;
    this.exited = true;
    ui.exitText.textContent = exitSentence(exitCode, signal);
    ui.exitBar.hidden = false;
    ui.keys.el.hidden = true;
    ui.endButton.hidden = true;
    ui.pasteButton.hidden = true;
    ui.fitButton.hidden = true;
    this.term.options.disableStdin = true;
    this.term.write('\x1b[?25l'); // no blinking cursor in a session that has ended
    requestAnimationFrame(() => this.refit());
  }

  // ---- Size: fit this screen, follow the device that types -------------------------------------------

  /** True when the session is shown at a size another device chose. */
  private sizedByOther(): boolean {
    return this.sessionSize !== undefined && this.fitted !== undefined && !same(this.sessionSize, this.fitted);
  }

  private updateSizing(): void {
    const other = this.sizedByOther() && !this.exited;
    const fitted = this.fitted;
    this.ui.fitButton.hidden = !other;
    this.ui.wrap.classList.toggle('pannable', other);
    if (!other && fitted && (this.term.cols !== fitted.cols || this.term.rows !== fitted.rows))
      this.term.resize(fitted.cols, fitted.rows);
  }

  private sendResizeSoon(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => {
      this.resizeTimer = undefined;
      const fitted = this.fitted;
      if (fitted && !this.exited)
        this.link.send({ t: 'session.resize', sessionId: this.sessionId, cols: fitted.cols, rows: fitted.rows });
    }, RESIZE_DEBOUNCE_MS);
  }

  /** This device takes the session's size: fit this screen and tell the daemon now. */
  private claimSize(): void {
    const fitted = this.fitted;
    if (!fitted || this.exited) return;
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = undefined;
    this.sessionSize = fitted;
    this.term.resize(fitted.cols, fitted.rows);
    this.link.send({ t: 'session.resize', sessionId: this.sessionId, cols: fitted.cols, rows: fitted.rows });
    this.updateSizing();
  }

  private refit(): void {
    const host = this.ui.host;
    if (this.disposed || host.clientWidth === 0 || host.clientHeight === 0) return;
    const dims = this.fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return;
    const next = { cols: Math.min(dims.cols, 1000), rows: Math.min(dims.rows, 500) };
    if (same(next, this.fitted)) return;
    const wasFollowing = !this.sizedByOther();
    this.fitted = next;
    if (wasFollowing) {
      // This device drives the size: adopt it and tell the daemon (debounced while the keyboard slides).
      this.sessionSize = next;
      if (this.term.cols !== next.cols || this.term.rows !== next.rows) this.term.resize(next.cols, next.rows);
      this.sendResizeSoon();
    }
    this.updateSizing();
  }

  // ---- Input -----------------------------------------------------------------------------------------

  private typeInput(data: string, fromKeyboard: boolean): void {
    if (this.exited || this.disposed) return;
    let text = data;
    if (fromKeyboard && this.ui.keys.ctrl) {
      text = withCtrl(data);
      this.ui.keys.releaseCtrl();
    }
    this.sendBytes(utf8(text));
  }

  private sendBytes(bytes: Uint8Array): void {
    if (this.sizedByOther()) this.claimSize();
    if (
      !this.link.send({ t: 'session.input', sessionId: this.sessionId }, bytes) &&
      Date.now() - this.lastDropWarning > 3000
    ) {
      this.lastDropWarning = Date.now();
      toast('Not connected right now, so that was not sent.', 'error');
    }
  }

  private async paste(): Promise<void> {
    const text = await askForPaste();
    if (text && !this.disposed && !this.exited) this.term.paste(text);
    if (!this.disposed && !matchMedia('(pointer: coarse)').matches) this.term.focus();
  }

  // ---- Session info and connection state -------------------------------------------------------------

  private renderInfo(): void {
    const info = this.model.session(this.sessionId);
    if (info) this.ui.title.textContent = info.name;
    if (info?.state === 'exited' && !this.exited) this.showExit(info.exitCode, info.signal);
    this.ui.missing.hidden = !(this.model.sessions && !info && !this.exited);
  }

  private renderState(): void {
    showConnection(this.ui.dot, this.link.state);
  }

  dispose(): void {
    this.disposed = true;
    this.stream.flush();
    this.stream.dispose();
    this.link.send({ t: 'session.detach', sessionId: this.sessionId });
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    cancelAnimationFrame(this.frame);
    this.observer.disconnect();
    for (const off of this.offs) off();
    this.term.dispose();
  }
}
