// The New session sheet: pick a preset — in a terminal, or as a conversation with an ACP agent —
// (installed ones; the others folded away, "not installed"), optionally a folder, Start → session.create
// at the phone's size → open its terminal or conversation. Start stays in view at the bottom of the
// sheet whatever the sheet holds (a long list, an error).
import type { PresetInfo } from '../../../cli/src/channel/messages.js';
import { commandLine } from '../format.js';
import type { AppContext } from '../model.js';
import { estimateTerminalSize } from '../terminal-size.js';
import { errorMessage, h, openSheet, sentence } from '../ui.js';

export function openNewSession(ctx: AppContext): void {
  let chosen: PresetInfo | undefined;
  let busy = false;
  const list = h('div', {
    class: 'presets',
    testid: 'preset-list',
    attrs: { role: 'radiogroup', 'aria-label': 'Agent' },
  });
  const folder = h('input', {
    testid: 'folder-input',
    attrs: {
      id: 'new-folder',
      type: 'text',
      placeholder: '~ (your home folder)',
      autocomplete: 'off',
      autocapitalize: 'off',
      autocorrect: 'off',
      spellcheck: 'false',
    },
  });
  const error = h('p', { class: 'form-error', testid: 'new-session-error', attrs: { role: 'alert', hidden: true } });
  const start = h('button', {
    class: 'primary wide',
    testid: 'start-session',
    text: 'Start',
    attrs: { type: 'submit', disabled: true },
  });
  const host = ctx.link.welcome?.hostname || ctx.device.hostname || 'your computer';
  const form = h(
    'form',
    { class: 'new-session-form' },
    list,
    h('label', { text: 'Folder', attrs: { for: 'new-folder' } }),
    folder,
    error,
    h('p', {
      class: 'hint',
      testid: 'folder-hint',
      text: `Where the agent works on ${host}, e.g. ~/code/app. Left empty, it starts in your home folder (~).`,
    }),
    h('div', { class: 'sheet-footer' }, start),
  );
  const sheet = openSheet('New session', 'new-session-sheet', form);

  const showError = (text: string): void => {
    error.hidden = false;
    error.replaceChildren(sentence(text));
    error.scrollIntoView({ block: 'nearest' });
  };

  const presetRow = (p: PresetInfo): HTMLElement => {
    const id = `preset-${p.kind}-${p.name.replace(/[^\w-]/g, '_')}`;
    const radio = h('input', {
      attrs: { type: 'radio', name: 'preset', id, value: p.name, disabled: !p.available },
      on: {
        change: () => {
          chosen = p;
          start.disabled = busy;
        },
      },
    });
    radio.dataset.kind = p.kind;
    return h(
      'label',
      {
        class: `preset${p.available ? '' : ' unavailable'}`,
        testid: 'preset-item',
        attrs: { for: id, 'data-preset': p.name, 'data-kind': p.kind },
      },
      radio,
      h(
        'span',
        { class: 'preset-text' },
        h(
          'span',
          { class: 'preset-name' },
          p.name,
          p.available ? null : h('span', { class: 'badge muted-badge', text: 'not installed' }),
        ),
        p.description ? h('span', { class: 'preset-desc', text: p.description }) : null,
        h('span', { class: 'preset-cmd mono', text: commandLine([p.command, ...p.args]) }),
      ),
    );
  };

  list.append(h('p', { class: 'muted', text: 'Loading agents…' }));
  ctx.model.presets().then(
    (presets) => {
      // By kind, installed agents first; the others folded under one line that names them (greyed when
      // opened), so people know they exist without scrolling past them.
      const group = (kind: PresetInfo['kind'], title: string | undefined): HTMLElement[] => {
        const mine = presets.filter((p) => p.kind === kind);
        const missing = mine.filter((p) => !p.available);
        if (mine.length === 0) return [];
        return [
          ...(title ? [h('p', { class: 'preset-group', text: title })] : []),
          ...mine.filter((p) => p.available).map(presetRow),
          ...(missing.length
            ? [
                h(
                  'details',
                  { class: 'missing-presets', testid: `missing-presets-${kind}` },
                  h('summary', { text: `Not installed here: ${missing.map((p) => p.name).join(', ')}` }),
                  ...missing.map(presetRow),
                ),
              ]
            : []),
        ];
      };
      const twoKinds = presets.some((p) => p.kind === 'acp');
      list.replaceChildren(
        ...group('pty', twoKinds ? 'In a terminal' : undefined),
        ...group('acp', 'As a conversation (ACP)'),
      );
      if (presets.length === 0)
        list.append(h('p', { class: 'muted', text: 'No presets are set up on your computer.' }));
      const first = list.querySelector<HTMLInputElement>('input[type="radio"]:not([disabled])');
      if (first) {
        first.checked = true;
        chosen = presets.find((p) => p.name === first.value && p.kind === first.dataset.kind);
        start.disabled = false;
      }
    },
    (err: unknown) => {
      list.replaceChildren();
      showError(errorMessage(err, 'Could not load the list of agents.'));
    },
  );

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!chosen || busy) return;
    busy = true;
    start.disabled = true;
    start.textContent = 'Starting…';
    error.hidden = true;
    const { cols, rows } = estimateTerminalSize();
    const cwd = folder.value.trim();
    const preset = chosen;
    ctx.link
      .request({ t: 'session.create', preset: preset.name, kind: preset.kind, ...(cwd ? { cwd } : {}), cols, rows })
      .then(
        (session) => {
          ctx.model.putSession(session);
          sheet.close();
          ctx.navigate({ name: 'session', sessionId: session.id });
        },
        (err: unknown) => {
          busy = false;
          start.disabled = false;
          start.textContent = 'Start';
          showError(errorMessage(err, 'The session could not be started.'));
        },
      );
  });
}
