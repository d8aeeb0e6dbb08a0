// `paseo devices`: the paired devices.
import { defineCommand } from 'citty';
import { cleanLabel } from '../channel/channel.js';
import type { DeviceInfo } from '../channel/messages.js';
import { ago, when } from '../ui/output.js';
import { type Columns, jsonFlag, printList } from './listing.js';
import { withDaemon } from './shared.js';

// Cleaned again here: whatever a daemon sends, no escape sequence reaches the terminal.
const COLUMNS: Columns<DeviceInfo> = {
  ID: (d) => cleanLabel(d.id, 64),
  NAME: (d) => cleanLabel(d.name, 200) + (d.tailnetIdentity ? ` (${cleanLabel(d.tailnetIdentity, 200)})` : ''),
  PAIRED: (d) => when(d.pairedAt),
  'LAST SEEN': (d) => (d.online ? 'online now' : ago(d.lastSeenAt)),
};

export default defineCommand({
  meta: { name: 'devices', description: 'List the devices paired with this computer.' },
  args: {
    json: jsonFlag('the devices'),
  },
  async run({ args }) {
    const devices = await withDaemon((c) => c.request({ t: 'devices.list' }));
    printList(devices, args.json, COLUMNS, 'No devices are paired yet. Run `paseo pair` to pair one.');
  },
});
