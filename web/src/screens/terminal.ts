// One session's terminal: xterm.js fitted to the screen above the key bar. Attaches with the last seq
// seen (so a reconnect shows nothing twice and loses nothing), acks output after xterm processed it,
// sends keys and size. The size follows the device that typed last (or took it: "Size for this
// screen"); while another device has it, the terminal is shown at that size, shrunk to fit this screen
// whole (never panned), and the top bar says whose size it is. See cli/src/session/size.ts.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { utf8 } from '../../../cli/src/channel/encoding.js';
import type { DaemonMessage } from '../../../cli/src/channel/messages.js';
import type { Link } from '../connection.js';
import { exitSentence } from '../format.js';
import { binaryStringToBytes, withCtrl } from '../keys.js';
import type { AppContext, Model, Screen } from '../model.js';
import { askForPaste } from '../paste.js';
import { connectionParts, endSession } from '../session-chrome.js';
import { SessionStream } from '../session-stream.js';
import { type CellSize, cellsText, shrinkToFit, TERMINAL_FONT, terminalFontSize } from '../terminal-size.js';
import { TERMINAL_THEME } from '../terminal-theme.js';
import { touchScroll } from '../touch-scroll.js';
import { toast } from '../ui.js';
import { type TerminalLayout, terminalLayout } from './terminal-layout.js';

/** Wait this long after the last size change before telling the daemon, in milliseconds. */
const RESIZE_DEBOUNCE_MS = 150;

/** Width of xterm's scrollbar, which the fit addon leaves free, in CSS pixels. */
const SCROLLBAR_WIDTH = 14;

/** The session's size as the daemon last told it, and who set it. */
interface SessionSize extends CellSize {
  /** The device (or "the computer") that set it, once someone did. */
  by?: string | undefined;
  /** True when this screen set it. */
  yours: boolean;
}

const same = (a: CellSize | undefined, b: CellSize | undefined): boolean =>
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
  private fitted: CellSize | undefined;
  /** The session's size as last announced by the daemon (snapshot, resized). */
  private sessionSize: SessionSize | undefined;
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
      takeSize: () => this.takeSize(),
      end: () => void endSession(this.link, this.sessionId, 'What it printed stays visible here.'),
      paste: () => void this.paste(),
      type: (data) => this.typeInput(data, false),
      applicationCursor: () => this.term.modes.applicationCursorKeysMode,
    });
    this.showSizeInCells();
    this.showConnection(ctx);
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

  /** The connection: a dot and label in the top bar, the banner under it, the terminal dimmed while down. */
  private showConnection(ctx: AppContext): void {
    const conn = connectionParts(this.link, this.ui.dot, () => this.link.welcome?.hostname ?? ctx.device.hostname);
    this.ui.bannerSlot.append(conn.banner);
    this.offs.push(conn.dispose);
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

  /** Keys, binary input and swipes through the scrollback. */
  private takeInput(): void {
    this.term.onData((data) => this.typeInput(data, true));
    this.offs.push(touchScroll(this.ui.host, this.term, () => true));
    this.term.onBinary((data) => !this.exited && this.sendBytes(binaryStringToBytes(data)));
  }

  /** Session name and state from the model; dimmed while disconnected; attach after every (re)connection. */
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

  /** Attaches with this screen's size: alone, it sets the session's size; the daemon then says who has it. */
  private attach(): void {
    if (this.disposed || !this.opened) return;
    this.stream.resetAcks();
    const size = this.fitted ?? this.term;
    const afterSeq = this.stream.lastSeq;
    this.link.send({
      t: 'session.attach',
      sessionId: this.sessionId,
      ...(afterSeq !== undefined ? { afterSeq } : {}),
      cols: size.cols,
      rows: size.rows,
    });
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
        this.sessionSize = {
          ...this.sessionSize,
          yours: this.sessionSize?.yours ?? false,
          cols: msg.cols,
          rows: msg.rows,
        };
        this.layout();
        break;
      case 'session.output':
        this.stream.output(msg.seq, body);
        break;
      case 'session.resized': {
        // Without `by` it only says the size (after a snapshot): who set it is unchanged.
        const prev = this.sessionSize;
        this.sessionSize = msg.by
          ? { cols: msg.cols, rows: msg.rows, by: msg.by, yours: msg.yours === true }
          : { cols: msg.cols, rows: msg.rows, by: prev?.by, yours: prev?.yours ?? false };
        this.layout();
        break;
      }
      case 'session.exit':
        this.showExit(msg.exitCode, msg.signal, msg.by);
        break;
    }
  }

  private showExit(exitCode: number | null, signal: string | null, by?: string): void {
    const ui = this.ui;
    this.exited = true;
    ui.exitText.textContent = exitSentence(exitCode, signal, by);
    ui.exitBar.hidden = false;
    ui.keys.el.hidden = true;
    ui.endButton.hidden = true;
    ui.pasteButton.hidden = true;
    this.term.options.disableStdin = true;
    this.term.write('\x1b[?25l'); // no blinking cursor in a session that has ended
    this.layout();
    requestAnimationFrame(() => this.refit());
  }

  // ---- Size: the device that typed last (or took it) sets it; others see it shrunk to fit ---------------

  /** True when another device has the session's size and it is not the size that fits here. */
  private sizedByOther(): boolean {
    const session = this.sessionSize;
    return !!session && !session.yours && !!this.fitted && !same(session, this.fitted);
  }

  /** Sizes the terminal to the session (another device's size, shrunk to fit) or to this screen. */
  private layout(): void {
    if (this.disposed) return;
    const other = this.sizedByOther() && !this.exited;
    const target = other ? this.sessionSize : (this.fitted ?? this.sessionSize);
    // After the output received so far: it was laid out at the size it came with.
    if (target)
      this.term.write(new Uint8Array(0), () => {
        if (!this.disposed && (this.term.cols !== target.cols || this.term.rows !== target.rows))
          this.term.resize(target.cols, target.rows);
        this.scaleToFit();
      });
    this.renderSize();
  }

  /** Shrinks the terminal (another device's size) to fit the host whole; at this screen's size, no scaling. */
  private scaleToFit(): void {
    const el = this.term.element;
    const screen = el?.querySelector<HTMLElement>('.xterm-screen');
    if (!el || !screen) return;
    const host = this.ui.host;
    if (!this.sizedByOther() || this.exited) {
      el.style.removeProperty('width');
      el.style.removeProperty('height');
      el.style.removeProperty('transform');
      host.dataset.scale = '1';
      return;
    }
    const natural = { width: screen.offsetWidth + SCROLLBAR_WIDTH, height: screen.offsetHeight };
    const { scale, left } = shrinkToFit(natural, { width: host.clientWidth, height: host.clientHeight });
    el.style.width = `${natural.width}px`;
    el.style.height = `${natural.height}px`;
    el.style.transformOrigin = '0 0';
    el.style.transform = `translateX(${left}px) scale(${scale})`;
    host.dataset.scale = scale.toFixed(3);
  }

  /** "45×50 · sized here" or "120×40 · sized by Laptop"; the strip that offers this screen's size. */
  private renderSize(): void {
    const session = this.sessionSize;
    const other = this.sizedByOther() && !this.exited;
    const who = session?.yours || !session?.by ? 'sized here' : `sized by ${session.by}`;
    this.ui.sizeLabel.textContent = session && !this.exited ? `${cellsText(session)} · ${who}` : '';
    this.ui.sizeStrip.hidden = !other;
  }

  /** Tells the daemon this screen's size soon (it follows when this screen has the size). */
  private sendResizeSoon(): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = setTimeout(() => this.sendResize(false), RESIZE_DEBOUNCE_MS);
  }

  /** Tells the daemon this screen's size now; `take`: this screen takes the session's size. */
  private sendResize(take: boolean): void {
    if (this.resizeTimer) clearTimeout(this.resizeTimer);
    this.resizeTimer = undefined;
    const fitted = this.fitted;
    if (!fitted || this.exited) return;
    this.link.send({
      t: 'session.resize',
      sessionId: this.sessionId,
      cols: fitted.cols,
      rows: fitted.rows,
      ...(take ? { take: true } : {}),
    });
  }

  /** This screen takes the session's size ("Size for this screen", or typing): at once, here too. */
  private takeSize(): void {
    if (!this.fitted || this.exited) return;
    this.sendResize(true);
    if (this.sessionSize) this.sessionSize = { ...this.sessionSize, ...this.fitted, yours: true };
    this.layout();
  }

  private refit(): void {
    const host = this.ui.host;
    if (this.disposed || host.clientWidth === 0 || host.clientHeight === 0) return;
    const dims = this.fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows) || dims.cols < 2 || dims.rows < 1) return;
    const next = { cols: Math.min(dims.cols, 1000), rows: Math.min(dims.rows, 500) };
    if (same(next, this.fitted)) {
      this.scaleToFit();
      return;
    }
    this.fitted = next;
    if (this.sessionSize?.yours) this.sessionSize = { ...this.sessionSize, ...next };
    this.sendResizeSoon();
    this.layout();
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
    // Typing takes the size (the daemon does the same): this screen's size goes first.
    if (!this.sessionSize?.yours) this.takeSize();
    else if (this.resizeTimer) this.sendResize(false);
    if (
      !this.link.send({ t: 'session.input', sessionId: this.sessionId }, bytes) &&
      Date.now() - this.lastDropWarning > 3000
    ) {
      this.lastDropWarning = Date.now();
      toast('Not connected right now, so that was not sent.', 'error');
    }
  }

  /** Pastes; the terminal keeps (or gets back) the focus it had, so the next Enter reaches it. */
  private async paste(): Promise<void> {
    const hadFocus = document.activeElement === this.term.textarea;
    const text = await askForPaste();
    if (text && !this.disposed && !this.exited) this.term.paste(text);
    if (!this.disposed && (hadFocus || !matchMedia('(pointer: coarse)').matches)) this.term.focus();
  }

  // ---- Session info and connection state -------------------------------------------------------------

  private renderInfo(): void {
    const info = this.model.session(this.sessionId);
    if (info) this.ui.title.textContent = info.name;
    if (info?.state === 'exited' && !this.exited) this.showExit(info.exitCode, info.signal);
    this.ui.missing.hidden = !(this.model.sessions && !info && !this.exited);
  }

  private renderState(): void {
    this.ui.el.classList.toggle('offline', this.link.state !== 'connected');
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
