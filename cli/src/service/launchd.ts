// macOS: a launchd agent, ~/Library/LaunchAgents/com.paseo.daemon.plist, loaded with `launchctl bootstrap`.
import { join } from 'node:path';
import type { ServiceManager, ServicePlatform, ServiceState } from './platform.js';
import type { ServiceSpec } from './spec.js';

export const LAUNCHD_LABEL = 'com.paseo.daemon';

export function launchdPlistPath(homeDir: string): string {
  return join(homeDir, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`);
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unxml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/**
 * The agent's plist. RunAtLoad: started at login; KeepAlive/SuccessfulExit=false: restarted when it fails,
 * not after `paseo down` (exit 0). Its output goes to PASEO_HOME/daemon.log, as with `paseo up --daemon`.
 */
export function renderLaunchdPlist(spec: ServiceSpec): string {
  const string = (s: string, indent: string) => `${indent}<string>${xml(s)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `paseo service install`; `paseo service uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    string(LAUNCHD_LABEL, '  '),
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...spec.argv.map((a) => string(a, '    ')),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...spec.env.flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, string(v, '    ')]),
    '  </dict>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>5</integer>',
    '  <key>StandardOutPath</key>',
    string(spec.log, '  '),
    '  <key>StandardErrorPath</key>',
    string(spec.log, '  '),
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}

/** ProgramArguments of a plist written by renderLaunchdPlist. */
export function parseLaunchdProgram(text: string): string[] | undefined {
  const array = /<key>ProgramArguments<\/key>\s*<array>([\s\S]*?)<\/array>/.exec(text)?.[1];
  if (array === undefined) return undefined;
  return [...array.matchAll(/<string>([\s\S]*?)<\/string>/g)].map((m) => unxml(m[1]!));
}

/** The per-user launchd domain, driven through `launchctl`. */
export function launchdManager(p: ServicePlatform): ServiceManager {
  const domain = `gui/${p.uid}`;
  const target = `${domain}/${LAUNCHD_LABEL}`;
  const file = launchdPlistPath(p.homeDir);
  const launchctl = (...args: string[]) => p.run('launchctl', args);
  return {
    kind: 'launchd',
    file,
    render: renderLaunchdPlist,
    parseArgv: parseLaunchdProgram,
    unavailable() {
      const r = launchctl('print', domain);
      if (r.status === 0) return undefined;
      return `launchd's per-user domain (${domain}) is not available in this session (log in to the Mac's desktop), so nothing starts paseo at login: use \`paseo up --daemon\` instead.`;
    },
    activate() {
      launchctl('bootout', target); // a previous version of the agent, if loaded
      const r = launchctl('bootstrap', domain, file);
      if (r.status !== 0) {
        throw new Error(`\`launchctl bootstrap ${domain} ${file}\` failed: ${r.stderr.trim() || `exit ${r.status}`}`);
      }
    },
    deactivate() {
      launchctl('bootout', target);
    },
    forget() {},
    state(): ServiceState {
      const r = launchctl('print', target);
      if (r.status !== 0) return { enabled: false, active: false, detail: 'not loaded' };
      const running = /^\s*state = running$/m.test(r.stdout);
      const pid = Number(/^\s*pid = (\d+)$/m.exec(r.stdout)?.[1]);
      return {
        enabled: true,
        active: running,
        detail: `loaded, ${running ? 'running' : 'not running'}`,
        ...(pid > 0 ? { pid } : {}),
      };
    },
    logs: `tail -f ${p.log}`,
    notes: () => [],
  };
}
