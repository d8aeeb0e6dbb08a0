// What `paseo up`, `paseo up --daemon`, `paseo pair` and `paseo status` show about pairing and the tailnet:
// pure functions from the daemon's data to text, so every screen says the same thing the same way. Rules:
// a QR code is offered only for an address a phone can open (never 127.0.0.1); the computer's own browser
// gets its local address as text; hints fit the control server (Tailscale's admin console, or none).
import type { PairInfo, RelayInfo, TailnetInfo } from '../channel/messages.js';
import { isLoopbackUrl } from '../transport/loopback.js';
import { qrCode } from './output.js';

/** How to reach paseo from a phone when it only listens on this computer (flags of `paseo up`). */
export const PHONE_OPTIONS =
  'start paseo on your tailnet (without --no-tailnet), with --listen on an address of your local network ' +
  '(for example --listen 0.0.0.0:6767), or through a relay (--relay)';

/** True when the tailnet runs on a control server given with --login-server (no Tailscale admin console). */
function customControl(t: TailnetInfo): boolean {
  return t.loginServer !== undefined;
}

/** Describes the tailnet state in a few words (`paseo status`, progress lines). */
export function tailnetLine(t: TailnetInfo): string {
  switch (t.state) {
    case 'off':
      return 'off (started with --no-tailnet)';
    case 'starting':
      return `joining${t.detail ? `: ${t.detail}` : '…'}`;
    case 'needs-login':
      return `needs login${t.loginUrl ? `: open ${t.loginUrl}` : ''}`;
    case 'needs-approval':
      return customControl(t)
        ? 'waiting for an admin of the control server to approve this computer'
        : 'waiting for a tailnet admin to approve this computer in the Tailscale admin console';
    case 'running':
      return t.url ? `running at ${t.url}${t.https ? '' : ' (plain HTTP)'}` : 'running';
    case 'control-unreachable':
      return `cannot reach the control server${t.detail ? ` (${t.detail})` : ''}; retrying`;
    case 'restarting':
      return `restarting the tailnet node (restarted ${t.restarts} time${t.restarts === 1 ? '' : 's'})`;
    case 'failed':
      return `not available: ${t.detail ?? 'the tailnet node could not start'}`;
  }
}

/** Describes the relay link in a few words (`paseo status`). */
export function relayLine(r: RelayInfo): string {
  switch (r.state) {
    case 'off':
      return 'off (start with --relay wss://… to reach devices off the tailnet)';
    case 'connecting':
      return `connecting to ${r.url ?? 'the relay'}…`;
    case 'connected':
      return `connected to ${r.url ?? 'the relay'}; phones open ${r.webUrl ?? 'its address'} (${r.channels} connected now)`;
    case 'error':
      return `not connected to ${r.url ?? 'the relay'}: ${r.reason ?? 'the relay link failed'}`;
  }
}

/** Lines (indented) that explain a tailnet address that is not the best one: plain HTTP, no MagicDNS. */
export function tailnetHints(t: TailnetInfo): string[] {
  const hints: string[] = [];
  if (t.state !== 'running') return hints;
  if (t.magicDNS === false)
    hints.push(
      customControl(t)
        ? '  MagicDNS is off on this control server, so the address is an IP.'
        : '  MagicDNS is off on this tailnet, so the address is an IP: turn it on in the Tailscale admin console (DNS page) for a name.',
    );
  if (!t.https)
    hints.push(
      customControl(t)
        ? '  Plain HTTP: this control server issues no HTTPS certificates. Pairing and sessions are end-to-end encrypted anyway.'
        : '  Plain HTTP: turn on MagicDNS and HTTPS certificates in the Tailscale admin console (DNS page) to get https://.\n' +
            '  Pairing and sessions are end-to-end encrypted anyway.',
    );
  return hints;
}

/** The tailnet address as `paseo up` announces it, with its hints; each line ends in a newline. */
export function onYourTailnet(t: TailnetInfo): string {
  return `On your tailnet: ${t.url ?? t.fqdn ?? 'an address `paseo status` shows'}\n${tailnetHints(t)
    .map((h) => `${h}\n`)
    .join('')}`;
}

/** "valid 5 minutes, single use" */
function validity(p: PairInfo): string {
  const minutes = Math.max(1, Math.round((Date.parse(p.expiresAt) - Date.now()) / 60_000));
  return `valid ${minutes} minute${minutes === 1 ? '' : 's'}, single use`;
}

/**
 * The pairing block. With an address a phone can open: its QR code, and with a relay (`--relay`) the relay's
 * QR code too, each saying which it is; the code, the key's fingerprint (the phone shows the same) and the
 * URLs. Without one: `noPhone` (a sentence saying why and what to do), then the local URL for a browser on
 * this computer. A relay's URL always counts as one a phone can open: that is what a relay is for.
 */
export function pairingText(p: PairInfo, noPhone: string): string {
  const relay = p.relayUrl;
  const direct = p.urls.filter((u) => u !== relay);
  const phone = direct.filter((u) => !isLoopbackUrl(u));
  const local = direct.find(isLoopbackUrl);
  if (phone.length === 0 && !relay)
    return [
      noPhone,
      '',
      'To pair a browser on this computer, open:',
      `  ${local ?? p.url}`,
      `  Code: ${p.code}  (${validity(p)})`,
      '',
    ].join('\n');
  const through = relay ? `through the relay at ${new URL(relay).host}` : '';
  return [
    ...(phone.length > 0
      ? ['Scan this with your phone to pair it:', '', qrCode(phone[0]!), '']
      : [`Scan this with your phone to pair it (${through}):`, '', qrCode(relay!), '']),
    ...(phone.length > 0 && relay
      ? [`A phone that cannot reach this computer directly scans this one instead (${through}):`, '', qrCode(relay), '']
      : []),
    `  Code: ${p.code}  (${validity(p)})`,
    `  Key:  ${p.fingerprint}  (the phone shows the same key while it pairs)`,
    ...(phone.length > 0 ? [`  URL:  ${phone[0]}`] : []),
    ...(relay ? [`  Relay: ${relay}`] : []),
    ...phone.slice(1).map((u) => `  Also: ${u}`),
    ...(local ? [`  On this computer: ${local}`] : []),
    '',
  ].join('\n');
}

/** Why a tailnet that should come up by itself is not ready, as the end of a sentence. */
function notReadyReason(t: TailnetInfo): string {
  switch (t.state) {
    case 'control-unreachable':
      return `paseo cannot reach the control server${t.detail ? ` (${t.detail})` : ''}`;
    case 'starting':
      return `it is still joining${t.detail ? ` (${t.detail})` : ''}`;
    default:
      return `it is ${tailnetLine(t)}`;
  }
}

/**
 * Why there is no QR code when paseo listens on this computer only and is not on a tailnet; `localUrl`
 * (the web UI's address on this computer) names the address.
 */
export function noPhoneLoopback(localUrl: string | undefined): string {
  const where = localUrl ? ` (${new URL(localUrl).hostname.replace(/^\[|\]$/g, '')})` : '';
  return `No QR code for a phone: paseo listens on this computer only${where}, which a phone cannot open. To pair a phone, ${PHONE_OPTIONS}.`;
}

/** Why there is no QR code yet while the tailnet is not reachable; `then` says what to do. */
export function noPhoneTailnet(t: TailnetInfo, waitedMs: number, then: string): string {
  switch (t.state) {
    case 'needs-login':
      return `No QR code for a phone yet: paseo joins your tailnet once you log in${t.loginUrl ? ` at ${t.loginUrl}` : ''}. ${then}`;
    case 'needs-approval':
      return `No QR code for a phone yet: the tailnet is ${tailnetLine(t)}. ${then}`;
    case 'failed':
      return `No QR code for a phone: the tailnet is ${tailnetLine(t)}. To pair a phone anyway, start paseo with --listen on an address of your local network (for example --listen 0.0.0.0:6767) or through a relay (--relay).`;
    default:
      return `No QR code for a phone yet: the tailnet is not ready after ${Math.round(waitedMs / 1000)} s: ${notReadyReason(t)}. ${then}`;
  }
}
