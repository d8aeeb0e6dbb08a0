// Tiny DOM helpers: element creation, sentences with `code`, toasts, confirm dialogs and bottom sheets.

type Child = Node | string | false | null | undefined;

export interface Props {
  class?: string;
  testid?: string;
  text?: string;
  attrs?: Record<string, string | boolean | undefined>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
}

/** Creates an element: `h('button', { class: 'primary', testid: 'pair-button', on: { click } }, 'Pair')`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.testid) el.dataset.testid = props.testid;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== undefined) el.setAttribute(k, v);
  }
  for (const [type, fn] of Object.entries(props.on ?? {})) el.addEventListener(type, fn as EventListener);
  for (const c of children) if (c !== false && c !== null && c !== undefined) el.append(c);
  return el;
}

/** A sentence where `backticked` parts become <code>, e.g. "Run `paseo pair` on your computer." */
export function sentence(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  text.split('`').forEach((part, i) => {
    if (part) frag.append(i % 2 === 1 ? h('code', { text: part }) : part);
  });
  return frag;
}

/** A button that keeps the focus where it was (so the phone keyboard stays up) when tapped. */
export function keepFocus<T extends HTMLElement>(el: T): T {
  el.addEventListener('pointerdown', (ev) => ev.preventDefault());
  el.addEventListener('mousedown', (ev) => ev.preventDefault());
  return el;
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;

/** Shows a short message at the bottom of the screen for a few seconds. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  let el = document.querySelector<HTMLElement>('[data-testid="toast"]');
  if (!el) {
    el = h('div', { class: 'toast', testid: 'toast', attrs: { role: 'status', 'aria-live': 'polite' } });
    document.body.append(el);
  }
  el.replaceChildren(sentence(message));
  el.dataset.kind = kind;
  el.classList.add('show');
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el?.classList.remove('show'), kind === 'error' ? 6000 : 3000);
}

/** A message for people from any error (technical detail goes to console.debug). */
export function errorMessage(err: unknown, fallback = 'Something went wrong. Try again.'): string {
  console.debug('paseo:', err);
  if (err instanceof Error && err.message && (err.name === 'RequestError' || err.name === 'ConnectionError'))
    return err.message;
  return fallback;
}

export interface Sheet {
  el: HTMLElement;
  close(): void;
  /** Resolves when the sheet has closed. */
  closed: Promise<void>;
}

/** A bottom sheet over the current screen, closed by its ✕, the backdrop, Escape or `close()`. */
export function openSheet(title: string, testid: string, ...content: Child[]): Sheet {
  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const close = (): void => {
    if (!backdrop.isConnected) return;
    backdrop.remove();
    document.removeEventListener('keydown', onKey);
    resolveClosed();
  };
  const onKey = (ev: KeyboardEvent): void => {
    if (ev.key === 'Escape') close();
  };
  const panel = h(
    'div',
    { class: 'sheet', testid, attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': title } },
    h(
      'div',
      { class: 'sheet-head' },
      h('h2', { text: title }),
      h('button', {
        class: 'icon-button',
        testid: `${testid}-close`,
        text: '✕',
        attrs: { 'aria-label': 'Close' },
        on: { click: close },
      }),
    ),
    ...content,
  );
  const backdrop = h('div', { class: 'backdrop', on: { click: (ev) => ev.target === backdrop && close() } }, panel);
  document.addEventListener('keydown', onKey);
  document.body.append(backdrop);
  return { el: panel, close, closed };
}

export interface ConfirmOptions {
  title: string;
  message: string;
  confirm: string;
  danger?: boolean;
}

/** Asks a yes/no question in a sheet; resolves true when confirmed. */
export function confirmDialog(opts: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    let answer = false;
    const sheet = openSheet(
      opts.title,
      'confirm',
      h('p', { class: 'sheet-text' }, sentence(opts.message)),
      h(
        'div',
        { class: 'row-buttons' },
        h('button', {
          class: 'secondary',
          testid: 'confirm-cancel',
          text: 'Cancel',
          on: { click: () => sheet.close() },
        }),
        h('button', {
          class: opts.danger ? 'danger' : 'primary',
          testid: 'confirm-ok',
          text: opts.confirm,
          on: {
            click: () => {
              answer = true;
              sheet.close();
            },
          },
        }),
      ),
    );
    void sheet.closed.then(() => resolve(answer));
  });
}

/** A small coloured dot with a label for the connection state. */
export function stateDot(testid: string): HTMLElement {
  return h(
    'span',
    { class: 'conn', testid, attrs: { role: 'status' } },
    h('span', { class: 'dot' }),
    h('span', { class: 'conn-label' }),
  );
}
