// `paseo revoke <id>`: remove a paired device; its connections close and its keys stop working.
import { defineCommand } from 'citty';
import { fail } from '../ui/output.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'revoke', description: 'Remove a paired device. It is disconnected at once and must pair again.' },
  args: {
    device: {
      type: 'positional',
      required: true,
      description: 'The device id (or its exact name), from `paseo devices`',
    },
  },
  async run({ args }) {
    await withDaemon(async (c) => {
      const devices = await c.request({ t: 'devices.list' });
      const wanted = String(args.device);
      const byId = devices.find((d) => d.id === wanted);
      const byName = devices.filter((d) => d.name.toLowerCase() === wanted.toLowerCase());
      const device = byId ?? (byName.length === 1 ? byName[0] : undefined);
      if (!device) {
        if (byName.length > 1) fail(`Several devices are named "${wanted}". Use the id from \`paseo devices\`.`);
        fail(`There is no paired device "${wanted}". Run \`paseo devices\` to see them.`);
      }
      await c.request({ t: 'device.remove', deviceId: device.id });
      process.stdout.write(
        `Removed ${device.name} (${device.id}). It was disconnected and must pair again to connect.\n`,
      );
    });
  },
});
