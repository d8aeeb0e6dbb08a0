// A past terminal session, read-only: the output its recording kept (the end of it, when it was too
// large to send whole) replayed into a terminal that takes no keys. Swipes scroll its scrollback. A
// chunk of its own (it holds xterm.js, shared with the live terminal's chunk), loaded when first needed.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import type { HistoryRecording } from '../../../cli/src/channel/messages.js';
import { historyCutSentence } from '../history-text.js';
import type { HistoryView } from '../model.js';
import { TERMINAL_FONT, terminalFontSize } from '../terminal-size.js';
import { TERMINAL_THEME } from '../terminal-theme.js';
import { touchScroll } from '../touch-scroll.js';
import { h } from '../ui.js';

/** Lines of scrollback the replay keeps. */
const HISTORY_SCROLLBACK_LINES = 20_000;

export function historyTerminal(read: HistoryRecording & { body: Uint8Array }): HistoryView {
  const host = h('div', { class: 'term-host', testid: 'history-terminal' });
  const el = h('div', { class: 'term-wrap history-term' }, host);
  const term = new Terminal({
    fontFamily: TERMINAL_FONT,
    fontSize: terminalFontSize(),
    scrollback: HISTORY_SCROLLBACK_LINES,
    cursorBlink: false,
    disableStdin: true,
    theme: TERMINAL_THEME,
  });
  const fit = new FitAddon();
  term.loadAddon(fit);
  const offs: (() => void)[] = [];
  const observer = new ResizeObserver(() => {
    try {
      fit.fit();
    } catch {
      /* not laid out yet */
    }
  });
  // Opened once the screen has placed it, so that it measures its real size.
  const frame = requestAnimationFrame(() => {
    term.open(host);
    fit.fit();
    observer.observe(el);
    offs.push(touchScroll(host, term, () => true));
    term.write(read.body, () => {
      term.scrollToBottom();
      host.dataset.replayed = 'true';
    });
  });
  return {
    el,
    note: historyCutSentence(read.entry, read.cut, 0, read.skipped),
    dispose: () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      for (const off of offs) off();
      term.dispose();
    },
  };
}
