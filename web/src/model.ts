// What the screens show, kept fresh: the session and device lists (listed after every (re)connection,
// then replaced by the daemon's `*.changed` pushes), and the shape every screen shares.
import type { DeviceInfo, HistoryList, PresetInfo, SessionInfo } from '../../cli/src/channel/messages.js';
import type { Link } from './connection.js';
import type { StoredDevice } from './store.js';

/** A mounted screen: its root element and how to take it down. */
export interface Screen {
  el: HTMLElement;
  dispose(): void;
}

/** A past session's view inside its History screen (a conversation or a replayed terminal). */
export interface HistoryView extends Screen {
  /** Sentences about what is left out ('' when nothing is). */
  note: string;
}

/** Where the app is: the hash routes `#/`, `#/devices`, `#/s/<sessionId>`, `#/h/<sessionId>` (a past session). */
export type Route =
  | { name: 'home' }
  | { name: 'devices' }
  | { name: 'session'; sessionId: string }
  | { name: 'history'; sessionId: string };

/** What the screens of a paired device get. */
export interface AppContext {
  link: Link;
  model: Model;
  device: StoredDevice;
  navigate(route: Route): void;
  /** Back to the previous screen (home when there is none). */
  back(): void;
  /** This device was removed by its user: go to the re-pair screen. */
  removedSelf(): void;
  /** True right after pairing from a link: the home screen offers to name this device. */
  offerNaming: boolean;
}

export class Model {
  sessions: SessionInfo[] | undefined;
  devices: DeviceInfo[] | undefined;
  /** A sentence when listing failed (shown instead of the list). */
  sessionsError: string | undefined;
  /** Past sessions (from their recordings), newest first; undefined until listed. */
  history: HistoryList | undefined;
  private readonly listeners = new Set<() => void>();
  private presetsCache: Promise<PresetInfo[]> | undefined;

  constructor(private readonly link: Link) {
    link.onMessage((msg) => {
      if (msg.t === 'sessions.changed') {
        // A session that left the list (removed, or ended by End) is history now.
        const left = this.sessions?.some((s) => !msg.sessions.some((n) => n.id === s.id));
        this.sessions = msg.sessions;
        if (left) this.refreshHistory();
        this.sessionsError = undefined;
        this.changed();
      } else if (msg.t === 'devices.changed') {
        this.devices = msg.devices;
        this.changed();
      }
    });
    link.onConnected(() => this.refresh());
  }

  /** Lists sessions and devices again (after every (re)connection: the computer may have restarted). */
  refresh(): void {
    this.presetsCache = undefined;
    this.link.request({ t: 'sessions.list' }).then(
      (sessions) => {
        this.sessions = sessions;
        this.sessionsError = undefined;
        this.changed();
      },
      (err: unknown) => {
        console.debug('paseo: sessions.list failed', err);
        if (!this.sessions) {
          this.sessionsError = 'Could not load the sessions.';
          this.changed();
        }
      },
    );
    this.refreshHistory();
    this.link.request({ t: 'devices.list' }).then(
      (devices) => {
        this.devices = devices;
        this.changed();
      },
      (err: unknown) => console.debug('paseo: devices.list failed', err),
    );
  }

  /** Lists the past sessions again. */
  refreshHistory(): void {
    this.link.request({ t: 'history.list' }).then(
      (history) => {
        this.history = history;
        this.changed();
      },
      (err: unknown) => console.debug('paseo: history.list failed', err),
    );
  }

  /** Drops a past session the daemon deleted. */
  dropHistory(id: string): void {
    if (!this.history) return;
    this.history = { ...this.history, entries: this.history.entries.filter((e) => e.id !== id) };
    this.changed();
  }

  /** Presets (asked once per page; asked again after a failure). */
  presets(): Promise<PresetInfo[]> {
    this.presetsCache ??= this.link.request({ t: 'presets.list' });
    this.presetsCache.catch(() => (this.presetsCache = undefined));
    return this.presetsCache;
  }

  session(id: string): SessionInfo | undefined {
    return this.sessions?.find((s) => s.id === id);
  }

  /** Applies a device the daemon returned (e.g. after a rename) before the push arrives. */
  putDevice(device: DeviceInfo): void {
    if (!this.devices) return;
    this.devices = this.devices.map((d) => (d.id === device.id ? { ...device, current: d.current } : d));
    this.changed();
  }

  /** Drops a session the daemon removed, before the push arrives (it is history now). */
  dropSession(id: string): void {
    if (!this.sessions) return;
    this.sessions = this.sessions.filter((s) => s.id !== id);
    this.changed();
    this.refreshHistory();
  }

  /** Applies a session the daemon returned (e.g. just created) before the push arrives. */
  putSession(session: SessionInfo): void {
    const list = this.sessions ?? [];
    this.sessions = list.some((s) => s.id === session.id)
      ? list.map((s) => (s.id === session.id ? session : s))
      : [...list, session];
    this.changed();
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private changed(): void {
    for (const cb of [...this.listeners]) cb();
  }
}
