// `paseo service install|uninstall|status`: run `paseo up` as a per-user service that starts at login
// and is restarted if it fails (a systemd user unit on Linux, a launchd agent on macOS).
import { existsSync, readFileSync } from 'node:fs';
import { type ArgsDef, defineCommand } from 'citty';
import { removeService, type ServiceManager, serviceManager, writeServiceFile } from '../service/manager.js';
import { checkUpFlags, ServiceFlagError, serviceSpec } from '../service/spec.js';
import { homePaths, paseoHome } from '../state/home.js';
import { fail, printJson } from '../ui/output.js';
import { isDaemonRunning } from './control-client.js';

/** How long `service install` waits for the started service to answer, in milliseconds. */
export const SERVICE_START_TIMEOUT_MS = 20_000;

const sentence = (s: string) => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
const shellWord = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`);

function managerOrFail(): ServiceManager {
  const manager = serviceManager(homePaths(paseoHome()).log);
  if (!manager) {
    fail(
      `paseo service works on Linux (systemd) and macOS (launchd), not on ${process.platform}: start paseo with \`paseo up --daemon\` instead.`,
    );
  }
  return manager;
}

const install = defineCommand({
  meta: {
    name: 'install',
    description:
      "Run `paseo up` at every login, restarted if it fails. Give it `paseo up`'s flags, e.g. `paseo service install --hostname laptop`.",
  },
  async run({ rawArgs }) {
    const home = paseoHome();
    const up = (await import('./up.js')).default;
    const upArgs = (typeof up.args === 'function' ? await up.args() : await up.args) as ArgsDef;
    let flags: string[];
    try {
      flags = checkUpFlags(rawArgs, upArgs ?? {});
    } catch (err) {
      if (err instanceof ServiceFlagError) fail(err.message);
      throw err;
    }
    const manager = managerOrFail();
    const spec = serviceSpec(flags, home);
    const missing = manager.unavailable();
    if (!missing && (await isDaemonRunning(home)) && !manager.state().active) {
      fail('paseo is already running (started with `paseo up`). Stop it with `paseo down`, then install the service.');
    }
    writeServiceFile(manager, spec);
    const out = (s: string) => process.stdout.write(`${s}\n`);
    out(`Wrote the paseo service: ${manager.file}`);
    out(`  Runs: ${spec.argv.map(shellWord).join(' ')}`);
    if (missing) {
      out(sentence(missing));
      return;
    }
    try {
      manager.activate();
    } catch (err) {
      fail(`The service file is written, but it could not be started: ${(err as Error).message}`);
    }
    if (!(await waitForDaemon(home))) {
      fail(
        `The service is installed but paseo did not answer within ${SERVICE_START_TIMEOUT_MS / 1000} s: see \`${manager.logs}\`.`,
      );
    }
    out('paseo is running as a service: it starts at every login and is restarted if it fails.');
    out('  Pair a device:  paseo pair');
    out(`  Its log:        ${manager.logs}`);
    out('  Remove it:      paseo service uninstall');
    for (const line of manager.notes()) out(line);
    if (!flags.includes('--no-tailnet')) {
      out(
        'First time on your tailnet? The service never holds an auth key: `paseo status` shows the login link to open (or join once with `paseo up --authkey …` in a terminal, then install the service).',
      );
    }
  },
});

/** Waits until the daemon answers on its socket; false after SERVICE_START_TIMEOUT_MS. */
async function waitForDaemon(home: string): Promise<boolean> {
  const started = Date.now();
  const tty = process.stderr.isTTY === true;
  let dots = 0;
  while (Date.now() - started < SERVICE_START_TIMEOUT_MS) {
    if (await isDaemonRunning(home)) {
      if (dots > 0) process.stderr.write('\n');
      return true;
    }
    if (tty && Date.now() - started > 1000 * (dots + 1)) {
      process.stderr.write(dots === 0 ? 'Waiting for paseo to start.' : '.');
      dots++;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  if (dots > 0) process.stderr.write('\n');
  return false;
}

const uninstall = defineCommand({
  meta: { name: 'uninstall', description: 'Stop the paseo service and remove it: paseo no longer starts at login.' },
  run() {
    const manager = managerOrFail();
    const missing = existsSync(manager.file) ? manager.unavailable() : undefined;
    if (!removeService(manager, !missing)) {
      process.stdout.write('The paseo service is not installed.\n');
      return;
    }
    process.stdout.write(
      `Removed the paseo service (${manager.file})${missing ? '' : ': paseo is stopped and no longer starts at login'}.\n`,
    );
  },
});

const status = defineCommand({
  meta: { name: 'status', description: 'Whether the paseo service is installed, what it runs, and whether it runs.' },
  args: { json: { type: 'boolean', description: 'Print it as JSON for scripts' } },
  async run({ args }) {
    const manager = managerOrFail();
    const home = paseoHome();
    const installed = existsSync(manager.file);
    const command = installed ? (manager.parseArgv(readFileSync(manager.file, 'utf8')) ?? null) : null;
    const missing = installed ? manager.unavailable() : undefined;
    const state = installed && !missing ? manager.state() : undefined;
    const running = await isDaemonRunning(home);
    if (args.json) {
      printJson({
        installed,
        manager: manager.kind,
        file: manager.file,
        command,
        available: installed ? !missing : null,
        enabled: state?.enabled ?? false,
        active: state?.active ?? false,
        pid: state?.pid ?? null,
        running,
      });
    } else if (!installed) {
      process.stdout.write('The paseo service is not installed. `paseo service install` runs paseo at every login.\n');
    } else {
      const lines = [
        `The paseo service is installed: ${manager.file}`,
        `  Runs:    ${command ? command.map(shellWord).join(' ') : '(no command found in the file)'}`,
        `  Service: ${missing ? missing : `${state!.detail}${state!.pid ? `, pid ${state!.pid}` : ''}`}`,
        `  paseo:   ${running ? 'answering (`paseo status` shows more)' : 'not running'}`,
        `  Log:     ${manager.logs}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    if (!installed) process.exitCode = 3;
  },
});

export default defineCommand({
  meta: { name: 'service', description: 'Start paseo at login as a per-user service: install, uninstall, status.' },
  subCommands: { install, uninstall, status },
});
