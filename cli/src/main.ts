// Entry point of the paseo binary: parses the command line and hands over to one command.
// Commands load lazily so that `paseo --version` and `--help` stay fast.
import { defineCommand, runMain } from 'citty';
import { PASEO_VERSION } from './version.js';

const main = defineCommand({
  meta: {
    name: 'paseo',
    version: PASEO_VERSION,
    description: 'Run coding agents on this machine; watch and steer them from your phone.',
  },
  subCommands: {
    up: () => import('./commands/up.js').then((m) => m.default),
    down: () => import('./commands/down.js').then((m) => m.default),
    status: () => import('./commands/status.js').then((m) => m.default),
    pair: () => import('./commands/pair.js').then((m) => m.default),
    devices: () => import('./commands/devices.js').then((m) => m.default),
    revoke: () => import('./commands/revoke.js').then((m) => m.default),
    run: () => import('./commands/run.js').then((m) => m.default),
    ls: () => import('./commands/ls.js').then((m) => m.default),
    attach: () => import('./commands/attach.js').then((m) => m.default),
    kill: () => import('./commands/kill.js').then((m) => m.default),
    logs: () => import('./commands/logs.js').then((m) => m.default),
  },
});

void runMain(main);
