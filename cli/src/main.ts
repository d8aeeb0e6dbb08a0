// Entry point of the paseo binary: parses the command line and hands over to one command.
import { defineCommand, runMain } from 'citty';
import { PASEO_VERSION } from './version.js';

const main = defineCommand({
  meta: {
    name: 'paseo',
    version: PASEO_VERSION,
    description: 'Run coding agents on this machine; watch and steer them from your phone.',
  },
  subCommands: {},
});

void runMain(main);
