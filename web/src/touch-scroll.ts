// Swiping through the scrollback with a finger: xterm.js 6 scrolls with the mouse wheel but not with
// touch. Vertical swipes scroll whole lines, with a little momentum; taps still reach the terminal (and
// bring up the keyboard). Only in the normal screen: full-screen apps (alternate screen) are left alone.
import type { Terminal } from '@xterm/xterm';

/** Below this speed (px/ms) a flick does not coast. */
const MIN_FLICK = 0.25;
/** Speed kept per 16 ms frame while coasting. */
const FRICTION = 0.94;

export function touchScroll(el: HTMLElement, term: Terminal, enabled: () => boolean): () => void {
  let tracking = false;
  let startX = 0;
  let startY = 0;
  let lastY = 0;
  let lastT = 0;
  let velocity = 0;
  let carry = 0;
  let vertical: boolean | undefined;
  let frame = 0;

  const lineHeight = (): number => {
    const row = el.querySelector('.xterm-rows > div');
    return row?.getBoundingClientRect().height || el.clientHeight / Math.max(1, term.rows);
  };

  const scrollBy = (dy: number): void => {
    carry += dy;
    const lh = lineHeight();
    const lines = Math.trunc(carry / lh);
    if (lines !== 0) {
      term.scrollLines(-lines);
      carry -= lines * lh;
    }
  };

  const coast = (): void => {
    frame = requestAnimationFrame(() => {
      scrollBy(velocity * 16);
      velocity *= FRICTION;
      if (Math.abs(velocity) > 0.05) coast();
    });
  };

  const onStart = (ev: TouchEvent): void => {
    cancelAnimationFrame(frame);
    const t = ev.touches[0];
    tracking = ev.touches.length === 1 && t !== undefined && enabled() && term.buffer.active.type === 'normal';
    if (!tracking || !t) return;
    startX = t.clientX;
    startY = lastY = t.clientY;
    lastT = ev.timeStamp;
    velocity = 0;
    carry = 0;
    vertical = undefined;
  };

  const onMove = (ev: TouchEvent): void => {
    const t = ev.touches[0];
    if (!tracking || !t) return;
    if (vertical === undefined) {
      const dx = Math.abs(t.clientX - startX);
      const dy = Math.abs(t.clientY - startY);
      if (dx < 6 && dy < 6) return;
      vertical = dy >= dx;
    }
    if (!vertical) return;
    ev.preventDefault(); // no page bounce or pull-to-refresh while scrolling the terminal
    const dy = t.clientY - lastY;
    const dt = Math.max(1, ev.timeStamp - lastT);
    velocity = 0.8 * (dy / dt) + 0.2 * velocity;
    lastY = t.clientY;
    lastT = ev.timeStamp;
    scrollBy(dy);
  };

  const onEnd = (): void => {
    if (tracking && vertical && Math.abs(velocity) > MIN_FLICK) coast();
    tracking = false;
  };

  el.addEventListener('touchstart', onStart, { passive: true });
  el.addEventListener('touchmove', onMove, { passive: false });
  el.addEventListener('touchend', onEnd, { passive: true });
  el.addEventListener('touchcancel', onEnd, { passive: true });
  return () => {
    cancelAnimationFrame(frame);
    el.removeEventListener('touchstart', onStart);
    el.removeEventListener('touchmove', onMove);
    el.removeEventListener('touchend', onEnd);
    el.removeEventListener('touchcancel', onEnd);
  };
}
