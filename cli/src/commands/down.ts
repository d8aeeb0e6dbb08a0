// `paseo down`: stop the daemon (sessions end, devices are told).
import { defineCommand } from 'citty';
import { paseoHome } from '../state/home.js';
import { fail } from '../ui/output.js';
import { stopDaemon } from './background.js';

export default defineCommand({
  meta: { name: 'down', description: 'Stop the paseo daemon. Running agent sessions are ended.' },
  async run() {
    try {
      const stopped = await stopDaemon(paseoHome());
      process.stdout.write(stopped ? 'paseo stopped.\n' : 'paseo is not running.\n');
    } catch (err) {
      fail((err as Error).message);
    }
  },
});
