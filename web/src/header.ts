// The top bar of the home and devices screens: a title and the connection state, with optional buttons;
// and the banner (also on the terminal screen) that says what is known about a lost connection — lost
// and when last heard from, or stopped on the computer — with a button to retry now.
import type { Link } from './connection.js';
import { describeLink } from './link-status.js';
import { h, sentence } from './ui.js';

export interface Header {
  el: HTMLElement;
  banner: HTMLElement;
  setTitle(text: string): void;
  dispose(): void;
}

/** The connection banner: shown while the link is down, ticking the retry countdown. */
export interface ConnectionBanner {
  el: HTMLElement;
  dispose(): void;
}

/** A banner that explains a lost connection; `hostname` names the computer. */
export function connectionBanner(link: Link, hostname: () => string): ConnectionBanner {
  const text = h('span', { testid: 'conn-banner-text' });
  const el = h(
    'div',
    { class: 'banner', testid: 'conn-banner', attrs: { hidden: true, role: 'status' } },
    text,
    h('button', { class: 'link-button', text: 'Retry now', testid: 'retry-now', on: { click: () => link.nudge() } }),
  );
  let ticker: ReturnType<typeof setInterval> | undefined;
  const render = (): void => {
    const status = describeLink(link.facts(hostname()));
    el.hidden = status.banner === undefined;
    el.dataset.tone = status.tone;
    if (status.banner) text.replaceChildren(sentence(status.banner));
    if (status.banner && !ticker) ticker = setInterval(render, 1000);
    if (!status.banner && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };
  const off = link.onState(render);
  render();
  return {
    el,
    dispose: () => {
      off();
      if (ticker) clearInterval(ticker);
    },
  };
}

/** Keeps a state dot and its label (`.conn` with `.dot` and `.conn-label`) in step with the link. */
export function followLinkState(link: Link, dot: HTMLElement, hostname: () => string): () => void {
  const label = dot.querySelector<HTMLElement>('.conn-label');
  const render = (): void => {
    const status = describeLink(link.facts(hostname()));
    dot.dataset.state = link.state;
    dot.dataset.tone = status.tone;
    if (label) label.textContent = status.label;
  };
  render();
  return link.onState(render);
}

/** A header bar; `left` and `right` are buttons placed around the title. */
export function header(link: Link, title: string, left: HTMLElement | null, right: HTMLElement | null): Header {
  const titleEl = h('h1', { class: 'title', testid: 'hostname', text: title });
  const conn = h(
    'span',
    { class: 'conn', testid: 'conn-state', attrs: { role: 'status' } },
    h('span', { class: 'dot' }),
    h('span', { class: 'conn-label' }),
  );
  const el = h('header', { class: 'bar' }, left, h('div', { class: 'bar-title' }, titleEl, conn), right);
  const hostname = (): string => link.welcome?.hostname ?? '';
  const banner = connectionBanner(link, hostname);
  const offState = followLinkState(link, conn, hostname);
  return {
    el,
    banner: banner.el,
    setTitle: (text) => {
      titleEl.textContent = text;
    },
    dispose: () => {
      offState();
      banner.dispose();
    },
  };
}
