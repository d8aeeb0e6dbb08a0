// `paseo status`: what runs where.
import { defineCommand } from 'citty';
import type { StatusInfo, TailnetInfo } from '../channel/messages.js';
import { paseoHome } from '../state/home.js';
import { ago, printJson } from '../ui/output.js';
import { isDaemonRunning } from './control-client.js';
import { withDaemon } from './shared.js';

/** Describes the tailnet state in a few words. */
export function tailnetLine(t: TailnetInfo): string {
  switch (t.state) {
    case 'off':
      return 'off (started with --no-tailnet)';
    case 'starting':
      return 'starting…';
    case 'needs-login':
      return `needs login${t.loginUrl ? `: open ${t.loginUrl}` : ''}`;
    case 'needs-approval':
      return 'waiting for a tailnet admin to approve this computer';
    case 'running':
      return `running at ${t.url ?? t.fqdn ?? '?'}${t.https ? '' : ' (plain HTTP: HTTPS certificates are not enabled on this tailnet)'}`;
    case 'control-unreachable':
      return `cannot reach the control server${t.detail ? ` (${t.detail})` : ''}; retrying`;
    case 'restarting':
      return `restarting the tailnet node (restarted ${t.restarts} time${t.restarts === 1 ? '' : 's'})`;
    case 'failed':
      return `not available: ${t.detail ?? 'unknown problem'}`;
  }
}

export default defineCommand({
  meta: { name: 'status', description: 'Show whether paseo runs, where to open it, and its tailnet state.' },
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
      ...(s.tailnet.ips.length ? [`  Tailnet IPs: ${s.tailnet.ips.join(', ')}`] : []),
      `  Devices:   ${s.devices} paired, ${s.devicesOnline} online`,
      `  Sessions:  ${s.sessions} (${s.sessionsRunning} running)`,
      `  State:     ${s.home}`,
      ...s.warnings.map((w) => `  Warning:   ${w}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
});
