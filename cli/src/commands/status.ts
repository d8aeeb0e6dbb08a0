// `paseo status`: what runs where.
import { defineCommand } from 'citty';
import type { StatusInfo } from '../channel/messages.js';
import { paseoHome } from '../state/home.js';
import { ago, printJson } from '../ui/output.js';
import { relayLine, tailnetHints, tailnetLine } from '../ui/screens.js';
import { isDaemonRunning } from './control-client.js';
import { withDaemon } from './shared.js';

export default defineCommand({
  meta: { name: 'status', description: 'Show whether paseo runs, where to open it, its tailnet and relay state.' },
  args: {
    json: { type: 'boolean', description: 'Print the status as JSON for scripts' },
  },
  async run({ args }) {
    const reachable = await isDaemonRunning(paseoHome());
    if (!reachable) {
      if (args.json) printJson({ running: false, home: paseoHome() });
      else process.stdout.write(`paseo is not running (state folder ${paseoHome()}). Start it with \`paseo up\`.\n`);
      process.exitCode = 3;
      return;
    }
    const s: StatusInfo = await withDaemon((c) => c.request({ t: 'status' }));
    if (args.json) {
      printJson({ running: true, ...s });
      return;
    }
    const lines = [
      `paseo ${s.version} is running (pid ${s.pid}, started ${ago(s.startedAt)}).`,
      `  Web UI:    ${s.urls.join('  ')}`,
      `  Listening: ${s.listen.join(', ')}`,
      `  Tailnet:   ${tailnetLine(s.tailnet)}`,
      ...tailnetHints(s.tailnet)
        .flatMap((h) => h.split('\n'))
        .map((h) => `             ${h.trim()}`),
      ...(s.tailnet.loginServer ? [`  Control:   ${s.tailnet.loginServer}`] : []),
      ...(s.tailnet.ips.length ? [`  Tailnet IPs: ${s.tailnet.ips.join(', ')}`] : []),
      ...(s.relay.state === 'off' ? [] : [`  Relay:     ${relayLine(s.relay)}`]),
      `  Devices:   ${s.devices} paired, ${s.devicesOnline} online`,
      `  Sessions:  ${s.sessions} (${s.sessionsRunning} running)`,
      `  State:     ${s.home}`,
      ...s.warnings.map((w) => `  Warning:   ${w}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
});
