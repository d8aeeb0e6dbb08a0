// Linux: a systemd user unit, ~/.config/systemd/user/paseo.service, enabled with `systemctl --user`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceManager, ServicePlatform, ServiceState } from './platform.js';
import type { ServiceSpec } from './spec.js';

export const SYSTEMD_UNIT = 'paseo.service';

/** The unit file: $XDG_CONFIG_HOME/systemd/user/paseo.service, by default under ~/.config. */
export function systemdUnitPath(homeDir: string, env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homeDir, '.config');
  return join(config, 'systemd', 'user', SYSTEMD_UNIT);
}

/** The unit's text. Restart=on-failure: `paseo down` (exit 0) stops it until the next login. */
export function renderSystemdUnit(spec: ServiceSpec): string {
  return [
    '# Written by `paseo service install`; `paseo service uninstall` removes it.',
    '[Unit]',
    'Description=paseo: coding agents you watch and steer from your phone',
    '',
    '[Service]',
    `ExecStart=${spec.argv.map((a) => quoteWord(a, true)).join(' ')}`,
    ...spec.env.map(([k, v]) => `Environment=${quoteWord(`${k}=${v}`, false)}`),
    'Restart=on-failure',
    'RestartSec=5',
    // paseo ends its agent sessions itself on SIGTERM; the rest of the group is killed only after that.
    'KillMode=mixed',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** One word of a unit file line: % and (in ExecStart) $ doubled, quoted when it holds spaces, quotes or \. */
function quoteWord(word: string, inExec: boolean): string {
  let w = word.replaceAll('%', '%%');
  if (inExec) w = w.replaceAll('$', '$$$$');
  if (w !== '' && !/[\s"'\\;]/.test(w)) return w;
  return `"${w.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n')}"`;
}

/** The command line of a unit written by renderSystemdUnit (undefined when it has no ExecStart). */
export function parseSystemdExecStart(text: string): string[] | undefined {
  const line = text.split('\n').find((l) => l.startsWith('ExecStart='));
  if (line === undefined) return undefined;
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of line.slice('ExecStart='.length).matchAll(re)) {
    const raw = m[1] !== undefined ? m[1].replace(/\\n/g, '\n').replace(/\\(.)/g, '$1') : m[2]!;
    words.push(raw.replaceAll('%%', '%').replaceAll('$$', '$'));
  }
  return words;
}

/** A systemd user manager driven through `systemctl --user`. */
export function systemdManager(p: ServicePlatform): ServiceManager {
  const systemctl = (...args: string[]) => p.run('systemctl', ['--user', ...args]);
  return {
    kind: 'systemd',
    file: systemdUnitPath(p.homeDir, p.env),
    render: renderSystemdUnit,
    parseArgv: parseSystemdExecStart,
    unavailable() {
      const r = systemctl('show-environment');
      if (r.status === 0) return undefined;
      return 'there is no systemd user manager here (as in most containers), so nothing starts paseo at login: use `paseo up --daemon` instead.';
    },
    activate() {
      const wasActive = state().active;
      for (const args of [
        ['daemon-reload'],
        ['enable', '--now', SYSTEMD_UNIT],
        ...(wasActive ? [['restart', SYSTEMD_UNIT]] : []),
      ]) {
        const r = systemctl(...args);
        if (r.status !== 0)
          throw new Error(`\`systemctl --user ${args.join(' ')}\` failed: ${r.stderr.trim() || `exit ${r.status}`}`);
      }
    },
    deactivate() {
      systemctl('disable', '--now', SYSTEMD_UNIT);
    },
    forget() {
      systemctl('daemon-reload');
    },
    state,
    logs: `journalctl --user -u ${SYSTEMD_UNIT.replace(/\.service$/, '')}`,
    notes() {
      if (existsSync(join('/var/lib/systemd/linger', p.user))) return [];
      return [
        'systemd stops your user services when you log out. To keep paseo running then, and start it at boot, run once:',
        `  loginctl enable-linger ${p.user}`,
      ];
    },
  };

  function state(): ServiceState {
    const enabled = systemctl('is-enabled', SYSTEMD_UNIT).stdout.trim();
    const show = systemctl('show', SYSTEMD_UNIT, '--property=ActiveState,SubState,MainPID');
    const props = Object.fromEntries(
      show.stdout
        .split('\n')
        .map((l) => l.split('='))
        .filter((kv) => kv.length === 2),
    ) as Record<string, string>;
    const pid = Number(props.MainPID);
    return {
      enabled: enabled === 'enabled',
      active: props.ActiveState === 'active',
      detail: `${enabled || 'unknown'}, ${props.ActiveState ?? 'unknown'}${props.SubState ? ` (${props.SubState})` : ''}`,
      ...(pid > 0 ? { pid } : {}),
    };
  }
}
