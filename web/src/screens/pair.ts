// Pairing this browser: automatically from a pairing link, or with a code typed in. Also the body of
// the re-pair screen. The code is never logged and never leaves the page except through the handshake.
import type { PaseoConnection } from '../../../cli/src/channel/client.js';
import { keyFingerprint } from '../../../cli/src/channel/fingerprint.js';
import { codeProblem, completeCode, formatCodeInput, pairFragmentInText } from '../code.js';
import { currentDeviceName, guessDeviceName } from '../device-name.js';
import type { Screen } from '../model.js';
import { fetchDaemonInfo, pairDevice, pairingErrorMessage } from '../pairing.js';
import type { StoredDevice } from '../store.js';
import { h, sentence } from '../ui.js';

export interface PairScreenOptions {
  testid: 'pair-screen' | 'repair-screen';
  title: string;
  /** One sentence under the title. */
  intro: string;
  /** Why pairing is needed again (re-pair screen). */
  reason?: string;
  /** A code from the pairing link: pair at once, no input needed. */
  code?: string;
  /** The line under the code field (default: where to get a code). */
  hint?: string;
  /** The daemon's key from the pairing link (trusted over /api/info). */
  daemonPublicKey?: Uint8Array;
  /** The daemon's relay id when this page is served by a relay (then there is no /api/info to ask). */
  relayId?: string;
  onPaired(conn: PaseoConnection, device: StoredDevice): void;
}

export function pairScreen(opts: PairScreenOptions): Screen {
  let disposed = false;
  let busy = false;
  let linkKey = opts.daemonPublicKey;
  let relayId = opts.relayId;
  let hostname = '';

  const status = h('div', { class: 'pair-status', attrs: { 'aria-live': 'polite' } });
  // The key's fingerprint, for the person to compare with the one `paseo pair` prints on the computer.
  const fingerprint = h('p', { class: 'fingerprint', testid: 'pair-fingerprint', attrs: { hidden: true } });
  const showFingerprint = (key: Uint8Array): void => {
    fingerprint.replaceChildren(
      sentence(`Computer’s key: \`${keyFingerprint(key)}\` — the same as \`paseo pair\` shows on your computer.`),
    );
    fingerprint.hidden = false;
  };
  if (linkKey) showFingerprint(linkKey);
  const input = h('input', {
    class: 'code-input',
    testid: 'code-input',
    attrs: {
      id: 'pair-code',
      type: 'text',
      inputmode: 'text',
      autocomplete: 'one-time-code',
      autocapitalize: 'characters',
      autocorrect: 'off',
      spellcheck: 'false',
      placeholder: 'XXXX-XXXX',
      'aria-describedby': 'pair-code-hint',
    },
  });
  const nameInput = h('input', {
    testid: 'device-name-input',
    attrs: { id: 'pair-name', type: 'text', maxlength: '80', autocomplete: 'off', spellcheck: 'false' },
  });
  nameInput.value = currentDeviceName();
  // Chromium tells the model ("Pixel 8") only when asked: take it unless the name was edited meanwhile.
  const guessing = guessDeviceName().then((name) => {
    if (!nameInput.dataset.edited) nameInput.value = name;
    return name;
  });
  nameInput.addEventListener('input', () => {
    nameInput.dataset.edited = '1';
  });
  const hintText = opts.hint ?? 'Run `paseo pair` on your computer to get a code.';
  const hint = h('p', { class: 'hint', attrs: { id: 'pair-code-hint' } }, sentence(hintText));
  const button = h('button', {
    class: 'primary wide',
    testid: 'pair-button',
    text: 'Pair',
    attrs: { type: 'submit', disabled: true },
  });
  const form = h(
    'form',
    { class: 'pair-form', attrs: { novalidate: true } },
    h('label', { text: 'Pairing code', attrs: { for: 'pair-code' } }),
    input,
    hint,
    h('label', { text: 'Name for this device', attrs: { for: 'pair-name' } }),
    nameInput,
    button,
  );
  const intro = h('p', { class: 'lead' }, sentence(opts.intro));
  const el = h(
    'main',
    { class: 'screen pair', testid: opts.testid },
    h('div', { class: 'brand', attrs: { 'aria-hidden': 'true' } }, h('span', { class: 'brand-mark' }), 'Paseo'),
    h('h1', { text: opts.title }),
    opts.reason ? h('p', { class: 'reason', testid: 'repair-reason' }, sentence(opts.reason)) : null,
    intro,
    fingerprint,
    status,
    form,
  );

  const update = (): void => {
    const problem = codeProblem(input.value);
    button.disabled = busy || !completeCode(input.value);
    input.setAttribute('aria-invalid', problem ? 'true' : 'false');
    hint.replaceChildren(sentence(problem ?? hintText));
    hint.classList.toggle('bad', Boolean(problem));
  };

  input.addEventListener('input', () => {
    const fromLink = pairFragmentInText(input.value);
    if (fromLink) {
      // A whole pairing link was pasted: take its code (and key).
      if (fromLink.daemonPublicKey) {
        linkKey = fromLink.daemonPublicKey;
        showFingerprint(linkKey);
      }
      if (fromLink.relayId) relayId = fromLink.relayId;
      input.value = formatCodeInput(fromLink.code);
    } else {
      const atEnd = input.selectionStart === input.value.length;
      input.value = formatCodeInput(input.value);
      if (atEnd) input.setSelectionRange(input.value.length, input.value.length);
    }
    update();
  });

  const setStatus = (kind: 'busy' | 'error' | 'none', text = ''): void => {
    status.dataset.kind = kind;
    status.removeAttribute('role');
    if (kind === 'busy') {
      status.replaceChildren(
        h('span', { class: 'spinner', attrs: { 'aria-hidden': 'true' } }),
        h('span', { testid: 'pair-progress', text }),
      );
    } else if (kind === 'error') {
      status.setAttribute('role', 'alert');
      status.replaceChildren(h('p', { testid: 'pair-error' }, sentence(text)));
    } else status.replaceChildren();
  };

  const pair = async (code: string): Promise<void> => {
    if (busy) return;
    busy = true;
    update();
    form.hidden = true;
    setStatus('busy', hostname ? `Pairing with ${hostname}…` : 'Pairing…');
    try {
      if (relayId && !linkKey) throw new RelayLinkNeeded();
      const key = linkKey ?? (await fetchDaemonInfo()).publicKey;
      showFingerprint(key);
      if (!nameInput.dataset.edited) await guessing;
      const name = nameInput.value.trim() || (await guessing);
      const result = await pairDevice(code, key, name, hostname, relayId);
      if (disposed) {
        result.conn.close();
        return;
      }
      opts.onPaired(result.conn, result.device);
    } catch (err) {
      if (disposed) return;
      busy = false;
      input.value = '';
      form.hidden = false;
      update();
      setStatus(
        'error',
        err instanceof RelayLinkNeeded
          ? 'Through a relay, pair from the link: scan the QR code `paseo pair` shows on your computer.'
          : pairingErrorMessage(err),
      );
      input.focus();
    }
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const code = completeCode(input.value);
    if (code) void pair(code);
  });

  // A relay serves this page but knows nothing of the computer: its name comes with `welcome`.
  if (!relayId)
    fetchDaemonInfo().then(
      (info) => {
        hostname = info.hostname;
        if (disposed) return;
        intro.replaceChildren(sentence(opts.intro.replace('your computer', info.hostname)));
        const progress = status.querySelector('[data-testid="pair-progress"]');
        if (progress) progress.textContent = `Pairing with ${hostname}…`;
      },
      (err: unknown) => console.debug('paseo: /api/info failed', err),
    );

  if (opts.code !== undefined) {
    const code = completeCode(opts.code);
    if (code) void pair(code);
    else
      setStatus(
        'error',
        "This pairing link doesn't contain a valid code. Type the code shown by `paseo pair` instead.",
      );
  }
  update();
  if (opts.code === undefined)
    queueMicrotask(() => !disposed && !matchMedia('(pointer: coarse)').matches && input.focus());

  return {
    el,
    dispose: () => {
      disposed = true;
    },
  };
}

/** Through a relay there is no /api/info to ask for the key: only a pairing link carries it. */
class RelayLinkNeeded extends Error {}
