// The top bar of the home and devices screens: a title, the connection state and optional buttons,
// plus a banner that explains a lost connection and offers to retry now.
import type { Link, LinkState } from './connection.js';
import { h } from './ui.js';

const LABELS: Record<LinkState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  stopped: 'Disconnected',
};

export interface Header {
  el: HTMLElement;
  banner: HTMLElement;
  setTitle(text: string): void;
  dispose(): void;
}

/** A header bar; `left` and `right` are buttons placed around the title. */
export function header(link: Link, title: string, left: HTMLElement | null, right: HTMLElement | null): Header {
  const titleEl = h('h1', { class: 'title', testid: 'hostname', text: title });
  const label = h('span', { class: 'conn-label' });
  const conn = h(
    'span',
    { class: 'conn', testid: 'conn-state', attrs: { role: 'status' } },
    h('span', { class: 'dot' }),
    label,
  );
  const el = h('header', { class: 'bar' }, left, h('div', { class: 'bar-title' }, titleEl, conn), right);
  const bannerText = h('span');
  const banner = h(
    'div',
    { class: 'banner', testid: 'conn-banner', attrs: { hidden: true } },
    bannerText,
    h('button', { class: 'link-button', text: 'Retry now', testid: 'retry-now', on: { click: () => link.nudge() } }),
  );

  let ticker: ReturnType<typeof setInterval> | undefined;
  const render = (): void => {
    const state = link.state;
    conn.dataset.state = state;
    label.textContent = LABELS[state];
    const err = link.lastError;
    const showBanner = state === 'reconnecting' && err !== undefined;
    banner.hidden = !showBanner;
    if (showBanner) {
      const wait = Math.ceil((link.retryAt - Date.now()) / 1000);
      bannerText.textContent = `${err.message} ${wait > 0 ? `Trying again in ${wait} s.` : 'Trying again…'}`;
    }
    if (showBanner && !ticker) ticker = setInterval(render, 1000);
    if (!showBanner && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
  const off = link.onState(render);
  render();
  return {
    el,
    banner,
    setTitle: (text) => {
      titleEl.textContent = text;
    },
    dispose: () => {
      off();
      if (ticker) clearInterval(ticker);
    },
  };
}
