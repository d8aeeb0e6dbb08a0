// `paseo revoke <id>`: remove a paired device; its connections close and its keys stop working.
import { defineCommand } from 'citty';
import { findDevice } from './listing.js';
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
      const device = await findDevice(c, String(args.device));
      await c.request({ t: 'device.remove', deviceId: device.id });
      process.stdout.write(
        `Removed ${device.name} (${device.id}). It was disconnected and must pair again to connect.\n`,
      );
    });
  },
});
