// The relay's limits, with their units. Tests shorten the timings and shrink the buffers through the
// environment (PASEO_RELAY_*); a value there counts only when it is a positive integer.

/** How a relay bounds what any one daemon, phone or address can make it hold. */
export interface RelayLimits {
  /** Keepalive: a PING to each daemon and a WebSocket ping to each phone this often, in milliseconds. */
  pingIntervalMs: number;
  /** A peer silent this long (no frame, no pong) is dead and cut, in milliseconds. */
  deadAfterMs: number;
  /** How long a daemon has to answer the challenge, in milliseconds. */
  registerTimeoutMs: number;
  /** Channels (phones) one daemon may have open at once. */
  maxChannelsPerDaemon: number;
  /** Bytes queued towards one phone beyond which it is cut off (it does not read). */
  channelBufferBytes: number;
  /** Bytes queued towards all the phones of one daemon beyond which the phone with the most is cut off. */
  daemonPhonesBufferBytes: number;
  /** Bytes queued towards a daemon beyond which its phones are not read until it catches up. */
  daemonBufferHighBytes: number;
  /** New connections (either leg) one client address may open at once, then `connectPerMinute`. */
  connectBurst: number;
  /** New connections per minute one client address gets back, up to `connectBurst`. */
  connectPerMinute: number;
}

export const DEFAULT_RELAY_LIMITS: Readonly<RelayLimits> = Object.freeze({
  pingIntervalMs: 20_000,
  deadAfterMs: 45_000,
  registerTimeoutMs: 10_000,
  maxChannelsPerDaemon: 256,
  // A conversation snapshot may be 4 MiB; a session sends a viewer at most 256 KiB more before its ack.
  channelBufferBytes: 8 * 1024 * 1024,
  daemonPhonesBufferBytes: 64 * 1024 * 1024,
  daemonBufferHighBytes: 4 * 1024 * 1024,
  connectBurst: 60,
  connectPerMinute: 120,
});

const ENV: Record<keyof RelayLimits, string> = {
  pingIntervalMs: 'PASEO_RELAY_PING_INTERVAL_MS',
  deadAfterMs: 'PASEO_RELAY_DEAD_AFTER_MS',
  registerTimeoutMs: 'PASEO_RELAY_REGISTER_TIMEOUT_MS',
  maxChannelsPerDaemon: 'PASEO_RELAY_MAX_CHANNELS',
  channelBufferBytes: 'PASEO_RELAY_CHANNEL_BUFFER_BYTES',
  daemonPhonesBufferBytes: 'PASEO_RELAY_DAEMON_PHONES_BUFFER_BYTES',
  daemonBufferHighBytes: 'PASEO_RELAY_DAEMON_BUFFER_HIGH_BYTES',
  connectBurst: 'PASEO_RELAY_CONNECT_BURST',
  connectPerMinute: 'PASEO_RELAY_CONNECT_PER_MINUTE',
};

/** The limits: the defaults, with what the environment sets. */
export function relayLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RelayLimits {
  const out = { ...DEFAULT_RELAY_LIMITS };
  for (const [key, name] of Object.entries(ENV) as [keyof RelayLimits, string][]) {
    const v = Number(env[name]);
    if (Number.isSafeInteger(v) && v > 0) out[key] = v;
  }
  return out;
}
