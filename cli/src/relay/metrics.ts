// The relay's Prometheus metrics (GET /metrics), every series prefixed `paseo_relay_`: connections of
// each leg, registered daemons, channels, frames and bytes each way, and what was dropped and why.
// No series carries a daemon id or an address: the metrics say how the relay does, not who uses it.
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Which leg a connection is: a daemon's link or a phone's channel. */
export type Leg = 'daemon' | 'phone';
/** Which way a frame went through the relay. */
export type Direction = 'to_daemon' | 'to_phone';
/** Why the relay refused or cut something. */
export type DropReason =
  | 'rate-limited'
  | 'bad-origin'
  | 'bad-path'
  | 'bad-subprotocol'
  | 'no-daemon'
  | 'too-many-channels'
  | 'slow-phone'
  | 'bad-frame'
  | 'bad-registration'
  | 'registration-timeout'
  | 'replaced'
  | 'dead-peer'
  | 'text-message';

/** The relay's metrics in their own registry. */
export class RelayMetrics {
  readonly registry = new Registry();
  readonly connections: Gauge<'leg'>;
  readonly connectionsTotal: Counter<'leg'>;
  readonly daemons: Gauge;
  readonly channels: Gauge;
  readonly channelsTotal: Counter;
  readonly frames: Counter<'direction'>;
  readonly bytes: Counter<'direction'>;
  readonly drops: Counter<'reason'>;
  /**
   * Frames and bytes forwarded, counted in plain numbers on the hot path and handed to prom-client only
   * when /metrics is read (a labelled counter's inc costs more than forwarding a small frame).
   */
  private readonly forwardedCounts: Record<Direction, { frames: number; bytes: number }> = {
    to_daemon: { frames: 0, bytes: 0 },
    to_phone: { frames: 0, bytes: 0 },
  };

  constructor() {
    const registers = [this.registry];
    this.connections = new Gauge({
      name: 'paseo_relay_connections',
      help: 'WebSocket connections open now, by leg (daemon or phone).',
      labelNames: ['leg'],
      registers,
    });
    this.connectionsTotal = new Counter({
      name: 'paseo_relay_connections_total',
      help: 'WebSocket connections accepted, by leg.',
      labelNames: ['leg'],
      registers,
    });
    this.daemons = new Gauge({ name: 'paseo_relay_daemons', help: 'Daemons registered now.', registers });
    this.channels = new Gauge({ name: 'paseo_relay_channels', help: 'Phone channels open now.', registers });
    this.channelsTotal = new Counter({ name: 'paseo_relay_channels_total', help: 'Phone channels opened.', registers });
    const counts = this.forwardedCounts;
    /** A counter by direction whose values are read from `counts` when scraped. */
    const forwarded = (name: string, help: string, key: 'frames' | 'bytes') =>
      new Counter({
        name,
        help,
        labelNames: ['direction'],
        registers,
        collect() {
          this.reset();
          for (const direction of ['to_daemon', 'to_phone'] as const) this.inc({ direction }, counts[direction][key]);
        },
      });
    this.frames = forwarded('paseo_relay_frames_total', 'Wire frames forwarded, by direction.', 'frames');
    this.bytes = forwarded('paseo_relay_bytes_total', 'Bytes of wire frames forwarded, by direction.', 'bytes');
    this.drops = new Counter({
      name: 'paseo_relay_drops_total',
      help: 'Connections, channels and frames refused or cut, by reason.',
      labelNames: ['reason'],
      registers,
    });
    for (const leg of ['daemon', 'phone'] as const) {
      this.connections.set({ leg }, 0);
      this.connectionsTotal.inc({ leg }, 0);
    }
    collectDefaultMetrics({ register: this.registry, prefix: 'paseo_relay_' });
  }

  /** One frame of `bytes` forwarded. */
  forwarded(direction: Direction, bytes: number): void {
    const c = this.forwardedCounts[direction];
    c.frames++;
    c.bytes += bytes;
  }

  /** Something was refused or cut. */
  dropped(reason: DropReason): void {
    this.drops.inc({ reason });
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
