// `paseo devices`: the paired devices.
import { defineCommand } from 'citty';
import type { DeviceInfo } from '../channel/messages.js';
import { ago, when } from '../ui/output.js';
import { type Columns, jsonFlag, printList } from './listing.js';
import { withDaemon } from './shared.js';

const COLUMNS: Columns<DeviceInfo> = {
  ID: (d) => d.id,
  NAME: (d) => d.name + (d.tailnetIdentity ? ` (${d.tailnetIdentity})` : ''),
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
