// Paste for the terminal: the clipboard API where the browser allows it (secure pages only), otherwise
// a small sheet with a text box the person can long-press and paste into.
import { h, openSheet } from './ui.js';

/** Gets text to paste; resolves undefined when the person cancelled. */
export async function askForPaste(): Promise<string | undefined> {
  const clipboard = window.isSecureContext ? navigator.clipboard : undefined;
  if (clipboard?.readText) {
    try {
      return await clipboard.readText();
    } catch (err) {
      console.debug('paseo: clipboard read refused; asking instead', err);
    }
  }
  return pasteSheet();
}

function pasteSheet(): Promise<string | undefined> {
  return new Promise((resolve) => {
    let text: string | undefined;
    const area = h('textarea', {
      class: 'paste-input',
      testid: 'paste-input',
      attrs: {
        rows: '5',
        placeholder: 'Paste here',
        autocapitalize: 'off',
        autocorrect: 'off',
        spellcheck: 'false',
        'aria-label': 'Text to paste',
      },
    });
    const send = h('button', {
      class: 'primary wide',
      testid: 'paste-send',
      text: 'Send to terminal',
      attrs: { type: 'submit', disabled: true },
    });
    area.addEventListener('input', () => {
      send.disabled = area.value.length === 0;
    });
    const form = h(
      'form',
      { class: 'paste-form' },
      h('p', { class: 'hint', text: 'Long-press the box and choose Paste, then send it.' }),
      area,
      send,
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      text = area.value;
      sheet.close();
    });
    const sheet = openSheet('Paste', 'paste-sheet', form);
    void sheet.closed.then(() => resolve(text || undefined));
    queueMicrotask(() => area.focus());
  });
}
