// Entry point of the paseo binary: parses the command line and hands over to one command.
import { defineCommand, runMain } from 'citty';
import { PASEO_VERSION } from './version.js';
import up from './commands/up.js';
import down from './commands/down.js';
import status from './commands/status.js';
import pair from './commands/pair.js';
import devices from './commands/devices.js';
import revoke from './commands/revoke.js';

const main = defineCommand({
  meta: {
    name: 'paseo',
    version: PASEO_VERSION,
    description: 'Run coding agents on this machine; watch and steer them from your phone.',
  },
  subCommands: { up, down, status, pair, devices, revoke },
});

void runMain(main);
