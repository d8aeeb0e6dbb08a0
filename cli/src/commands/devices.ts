// `paseo devices`: the paired devices.
import { defineCommand } from 'citty';
import { ago, printJson, table, when } from '../ui/output.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'devices', description: 'List the devices paired with this computer.' },
  args: {
    json: { type: 'boolean', description: 'Print the devices as JSON for scripts' },
  },
  async run({ args }) {
    const devices = await withDaemon((c) => c.request({ t: 'devices.list' }));
    if (args.json) {
      printJson(devices);
      return;
    }
    if (devices.length === 0) {
      process.stdout.write('No devices are paired yet. Run `paseo pair` to pair one.\n');
      return;
    }
    const rows = devices.map((d) => [
      d.id,
      d.name + (d.tailnetIdentity ? ` (${d.tailnetIdentity})` : ''),
      when(d.pairedAt),
      d.online ? 'online now' : ago(d.lastSeenAt),
    ]);
    process.stdout.write(`${table(['ID', 'NAME', 'PAIRED', 'LAST SEEN'], rows)}\n`);
  },
});
