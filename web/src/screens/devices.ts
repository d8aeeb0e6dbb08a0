// My devices: every paired device (this one marked), when it was paired and last seen; rename inline,
// remove after a confirmation. Removing this device leads to the re-pair screen.
import type { DeviceInfo } from '../../../cli/src/channel/messages.js';
import { ago, shortDate } from '../format.js';
import { header } from '../header.js';
import type { AppContext, Screen } from '../model.js';
import { updateDevice } from '../store.js';
import { confirmDialog, errorMessage, h, toast } from '../ui.js';

function isCurrent(ctx: AppContext, d: DeviceInfo): boolean {
  return d.current === true || d.id === (ctx.link.welcome?.deviceId ?? ctx.device.deviceId);
}

function seenText(d: DeviceInfo): string {
  if (d.online) return 'online now';
  return d.lastSeenAt ? `last seen ${ago(d.lastSeenAt)}` : 'never connected';
}

export function devicesScreen(ctx: AppContext): Screen {
  let editing: string | undefined;
  const back = h('button', {
    class: 'icon-button',
    testid: 'back',
    text: '←',
    attrs: { 'aria-label': 'Back' },
    on: { click: () => ctx.back() },
  });
  const head = header(ctx.link, 'My devices', back, null);
  const list = h('ul', { class: 'devices', testid: 'device-list' });
  const el = h(
    'div',
    { class: 'screen devices-screen', testid: 'devices' },
    head.el,
    head.banner,
    h(
      'main',
      { class: 'scroll' },
      h('p', {
        class: 'muted intro',
        text: 'Devices that can watch and steer your agents. Remove one you no longer use; it will need a new code to connect again.',
      }),
      list,
    ),
  );

  const rename = async (d: DeviceInfo, name: string): Promise<void> => {
    const clean = name.trim();
    if (!clean || clean === d.name) {
      editing = undefined;
      render();
      return;
    }
    try {
      const updated = await ctx.link.request({ t: 'device.rename', deviceId: d.id, name: clean.slice(0, 80) });
      editing = undefined;
      ctx.model.putDevice(updated);
      if (isCurrent(ctx, d)) void updateDevice({ deviceName: updated.name });
      render();
    } catch (err) {
      toast(errorMessage(err, 'The device could not be renamed.'), 'error');
    }
  };

  const remove = async (d: DeviceInfo): Promise<void> => {
    const self = isCurrent(ctx, d);
    const ok = await confirmDialog({
      title: self ? 'Remove this device?' : `Remove “${d.name}”?`,
      message: self
        ? 'This phone or browser will stop working with Paseo until you pair it again with a new code.'
        : 'It will stop working with Paseo until it is paired again with a new code.',
      confirm: 'Remove',
      danger: true,
    });
    if (!ok) return;
    try {
      await ctx.link.request({ t: 'device.remove', deviceId: d.id });
      if (self) ctx.removedSelf();
      else toast(`Removed ${d.name}.`);
    } catch (err) {
      if (self && (err as { name?: string }).name === 'ConnectionError') ctx.removedSelf();
      else toast(errorMessage(err, 'The device could not be removed.'), 'error');
    }
  };

  const nameEditor = (d: DeviceInfo): HTMLElement => {
    const input = h('input', {
      class: 'rename-input',
      testid: 'rename-input',
      attrs: { type: 'text', maxlength: '80', 'aria-label': 'Device name', autocomplete: 'off', spellcheck: 'false' },
    });
    input.value = d.name;
    const form = h(
      'form',
      { class: 'rename-form' },
      input,
      h(
        'div',
        { class: 'row-buttons' },
        h('button', {
          class: 'secondary small',
          testid: 'rename-cancel',
          text: 'Cancel',
          attrs: { type: 'button' },
          on: {
            click: () => {
              editing = undefined;
              render();
            },
          },
        }),
        h('button', { class: 'primary small', testid: 'rename-save', text: 'Save', attrs: { type: 'submit' } }),
      ),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void rename(d, input.value);
    });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') {
        editing = undefined;
        render();
      }
    });
    queueMicrotask(() => {
      input.focus();
      input.select();
    });
    return form;
  };

  const item = (d: DeviceInfo): HTMLElement => {
    const self = isCurrent(ctx, d);
    const nameRow =
      editing === d.id
        ? nameEditor(d)
        : h(
            'div',
            { class: 'device-name-row' },
            h('span', { class: 'device-name', testid: 'device-name', text: d.name }),
            self ? h('span', { class: 'badge this', testid: 'this-device', text: 'This device' }) : null,
          );
    return h(
      'li',
      {
        class: 'device',
        testid: 'device-item',
        attrs: { 'data-device-id': d.id, 'data-current': self ? 'true' : 'false' },
      },
      nameRow,
      d.tailnetIdentity ? h('p', { class: 'device-detail', text: d.tailnetIdentity }) : null,
      h(
        'p',
        { class: 'device-detail' },
        h('span', { class: `presence${d.online ? ' online' : ''}`, testid: 'device-seen', text: seenText(d) }),
        h('span', { class: 'sep', text: '·' }),
        h('span', { text: `paired ${shortDate(d.pairedAt)}` }),
      ),
      editing === d.id
        ? null
        : h(
            'div',
            { class: 'row-buttons' },
            h('button', {
              class: 'secondary small',
              testid: 'device-rename',
              text: 'Rename',
              on: {
                click: () => {
                  editing = d.id;
                  render();
                },
              },
            }),
            h('button', {
              class: 'danger-outline small',
              testid: 'device-remove',
              text: 'Remove',
              on: { click: () => void remove(d) },
            }),
          ),
    );
  };

  const render = (): void => {
    const devices = ctx.model.devices;
    if (!devices) {
      list.replaceChildren(h('li', { class: 'muted', text: 'Loading devices…' }));
      return;
    }
    const sorted = [...devices].sort(
      (a, b) => Number(isCurrent(ctx, b)) - Number(isCurrent(ctx, a)) || a.name.localeCompare(b.name),
    );
    list.replaceChildren(...sorted.map(item));
  };
  const offModel = ctx.model.onChange(() => {
    // Keep an open editor: re-rendering would drop what is being typed.
    if (editing === undefined) render();
  });
  const tick = setInterval(() => editing === undefined && render(), 15_000);
  if (!ctx.model.devices && ctx.link.state === 'connected') ctx.model.refresh();
  render();
  return {
    el,
    dispose: () => {
      offModel();
      clearInterval(tick);
      head.dispose();
    },
  };
}
