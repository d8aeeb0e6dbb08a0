// After pairing from a link (which asks nothing), a card at the top of the home screen offers to name
// this device, prefilled with the name it paired under (a guess like "iPhone" or "Pixel 8"). It never
// blocks anything: ✕ keeps the name.
import type { AppContext } from '../model.js';
import { updateDevice } from '../store.js';
import { errorMessage, h } from '../ui.js';

/** The card; `done` runs once it was saved or dismissed. */
export function namingCard(ctx: AppContext, done: () => void): HTMLElement {
  const current = ctx.device.deviceName;
  const input = h('input', {
    testid: 'name-device-input',
    attrs: {
      id: 'name-device',
      type: 'text',
      maxlength: '80',
      autocomplete: 'off',
      spellcheck: 'false',
      'aria-label': 'Name for this device',
    },
  });
  input.value = current;
  const error = h('p', { class: 'form-error', testid: 'name-device-error', attrs: { role: 'alert', hidden: true } });
  const save = h('button', {
    class: 'primary small',
    testid: 'name-device-save',
    text: 'Save',
    attrs: { type: 'submit' },
  });
  const host = ctx.link.welcome?.hostname || ctx.device.hostname || 'your computer';
  const form = h(
    'form',
    { class: 'name-card', testid: 'name-device-card' },
    h(
      'div',
      { class: 'name-card-head' },
      h('p', { text: `Paired with ${host}. Name this device (optional):` }),
      h('button', {
        class: 'icon-button',
        testid: 'name-device-dismiss',
        text: '✕',
        attrs: { type: 'button', 'aria-label': `Keep the name ${current}` },
        on: { click: done },
      }),
    ),
    h('div', { class: 'name-card-row' }, input, save),
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const name = input.value.trim().slice(0, 80);
    if (!name || name === current) {
      done();
      return;
    }
    save.disabled = true;
    ctx.link.request({ t: 'device.rename', deviceId: ctx.device.deviceId, name }).then(
      (updated) => {
        ctx.device.deviceName = updated.name;
        void updateDevice({ deviceName: updated.name });
        ctx.model.putDevice(updated);
        done();
      },
      (err: unknown) => {
        save.disabled = false;
        error.hidden = false;
        error.textContent = errorMessage(err, 'The name could not be saved. Try again.');
      },
    );
  });
  return form;
}
