// The app: reads a pairing link (and removes the code from the address bar at once), then shows the
// pairing screen, the re-pair screen, or — for a paired device — the screen its route names.
import type { PaseoConnection } from '../../cli/src/channel/client.js';
import { equalBytes } from '../../cli/src/channel/encoding.js';
import { type PairFragment, parsePairFragment } from './code.js';
import { Link, socketUrl } from './connection.js';
import { type AppContext, Model, type Route, type Screen } from './model.js';
import { CLIENT_NAME, fetchDaemonInfo } from './pairing.js';
import { parseRoute, routeHash, routeKey } from './router.js';
import { devicesScreen } from './screens/devices.js';
import { historyScreen } from './screens/history.js';
import { homeScreen } from './screens/home.js';
import { pairScreen } from './screens/pair.js';
import { repairScreen } from './screens/repair.js';
import { preloadSessionViews, sessionScreen } from './screens/session.js';
import { forgetDevice, loadDevice, type StoredDevice, storageIsPersistent, updateDevice } from './store.js';
import { confirmDialog, toast } from './ui.js';
import { installViewport } from './viewport.js';

/** After the first screen of a paired device, wait this long before loading the session views, in milliseconds. */
const PRELOAD_DELAY_MS = 300;

/** Takes a pairing fragment out of the address (before anything else can see or log it). */
function takePairFragment(): PairFragment | undefined {
  const frag = parsePairFragment(location.hash);
  if (frag) history.replaceState({ paseo: 0 }, '', location.pathname + location.search);
  return frag;
}

const initialPairing = takePairFragment();
const root = document.getElementById('app') ?? document.body;
let screen: Screen | undefined;
let screenKey = '';
/** The running app of a paired device; undefined on the pairing screens. */
let app: { ctx: AppContext; stop(): void } | undefined;

function show(next: Screen, key: string): void {
  screen?.dispose();
  for (const b of document.querySelectorAll('.backdrop')) b.remove();
  screen = next;
  screenKey = key;
  root.replaceChildren(next.el);
}

function stopApp(): void {
  app?.stop();
  app = undefined;
}

/** The first pairing (or a new one from a pairing link). */
async function showPairing(link?: PairFragment): Promise<void> {
  const previous = await loadDevice();
  show(
    pairScreen({
      testid: 'pair-screen',
      title: 'Pair this device',
      intro: 'Connect this device to Paseo on your computer to watch and steer your coding agents.',
      ...(link ? { code: link.code } : {}),
      ...(link?.daemonPublicKey ? { daemonPublicKey: link.daemonPublicKey } : {}),
      ...(link?.relayId ? { relayId: link.relayId } : {}),
      onPaired: (conn, device) => {
        // A pairing replaces this browser's earlier one: remove the stale entry from the daemon's list.
        if (
          previous &&
          previous.daemonId === device.daemonId &&
          previous.deviceId !== device.deviceId &&
          previous.deviceId
        ) {
          conn
            .request({ t: 'device.remove', deviceId: previous.deviceId })
            .catch((err: unknown) => console.debug('paseo: old device not removed', err));
        }
        // A link pairs without asking anything: offer to name the device afterwards.
        startApp(device, conn, link !== undefined);
      },
    }),
    'pair',
  );
}

/** "This device needs to be paired again": the old keys are deleted first. */
function needsPairing(reason: string): void {
  if (screenKey === 'repair') return;
  const old = app?.ctx.device;
  stopApp();
  void forgetDevice();
  show(
    repairScreen({
      reason,
      ...(old?.relayId ? { relay: { relayId: old.relayId, daemonPublicKey: old.daemonPublicKey } } : {}),
      onPaired: (conn, device) => startApp(device, conn),
    }),
    'repair',
  );
}

/**
 * The address now answers with another key than the one this device paired with. Paseo may have been reset
 * or reinstalled, but /api/info is plaintext that anything on the path could forge, so the person decides:
 * the keys are kept (and reconnecting goes on) unless they choose to pair again.
 */
async function askToPairAgain(): Promise<void> {
  const again = await confirmDialog({
    title: 'Paseo on your computer has a new key',
    message:
      'This address now answers with a different key than the one this device paired with. If you reset or reinstalled paseo on your computer, pair this device again. If you did not, keep this pairing: something on the way may be interfering.',
    confirm: 'Pair this device again',
  });
  if (again) needsPairing('Paseo on your computer was reset or reinstalled, so it no longer knows this device.');
}

function startApp(device: StoredDevice, conn?: PaseoConnection, askName = false): void {
  stopApp();
  const link = new Link({
    daemonPublicKey: device.daemonPublicKey,
    keys: device.keys,
    clientName: CLIENT_NAME,
    url: socketUrl(location, device.relayId),
    onNeedsPairing: (err) => needsPairing(err.message || 'Your computer no longer recognises this device.'),
    // A relay has no /api/info: there a changed key shows only as a failing handshake.
    ...(device.relayId
      ? {}
      : {
          identityChanged: async () => !equalBytes((await fetchDaemonInfo(true)).publicKey, device.daemonPublicKey),
          onIdentityChanged: () => void askToPairAgain(),
        }),
  });
  const model = new Model(link);
  const ctx: AppContext = {
    link,
    model,
    device,
    navigate: (route: Route) => {
      const depth = ((history.state as { paseo?: number } | null)?.paseo ?? 0) + 1;
      history.pushState({ paseo: depth }, '', routeHash(route));
      route_();
    },
    back: () => {
      if (((history.state as { paseo?: number } | null)?.paseo ?? 0) > 0) history.back();
      else {
        history.replaceState({ paseo: 0 }, '', routeHash({ name: 'home' }));
        route_();
      }
    },
    removedSelf: () => needsPairing('You removed this device from Paseo.'),
    offerNaming: askName,
  };
  const route_ = (): void => {
    if (app?.ctx !== ctx) return;
    const fresh = parsePairFragment(location.hash);
    if (fresh) {
      // A pairing link opened in this tab while paired: pair anew.
      takePairFragment();
      stopApp();
      void showPairing(fresh);
      return;
    }
    const route = parseRoute(location.hash);
    const key = routeKey(route);
    if (key === screenKey) return;
    if (route.name === 'devices') show(devicesScreen(ctx), key);
    else if (route.name === 'session') show(sessionScreen(ctx, route.sessionId), key);
    else if (route.name === 'history') show(historyScreen(ctx, route.sessionId), key);
    else show(homeScreen(ctx), key);
  };
  const offWelcome = link.onConnected((w) => {
    const changes: { hostname?: string; deviceName?: string } = {};
    if (w.hostname && w.hostname !== device.hostname) changes.hostname = w.hostname;
    if (w.deviceName && w.deviceName !== device.deviceName) changes.deviceName = w.deviceName;
    if (changes.hostname || changes.deviceName) {
      Object.assign(device, changes);
      void updateDevice(changes);
    }
  });
  window.addEventListener('popstate', route_);
  window.addEventListener('hashchange', route_);
  app = {
    ctx,
    stop: () => {
      offWelcome();
      window.removeEventListener('popstate', route_);
      window.removeEventListener('hashchange', route_);
      link.stop();
    },
  };
  screenKey = '';
  link.start(conn);
  route_();
  // The terminal view's chunk (xterm.js) loads once the first screen is up, so opening a session is quick.
  setTimeout(preloadSessionViews, PRELOAD_DELAY_MS);
  if (!storageIsPersistent())
    toast('This browser will forget the pairing when this tab closes (private browsing?).', 'error');
}

async function boot(): Promise<void> {
  installViewport();
  // A pairing link pasted into the address bar of an unpaired tab (a paired one handles it in its router).
  window.addEventListener('hashchange', () => {
    if (app) return;
    const frag = takePairFragment();
    if (frag) void showPairing(frag);
  });
  if (initialPairing) {
    await showPairing(initialPairing);
    return;
  }
  const device = await loadDevice();
  if (device) startApp(device);
  else await showPairing();
}

boot().catch((err: unknown) => {
  console.debug('paseo: start failed', err);
  root.textContent = 'Paseo could not start in this browser. Reload the page to try again.';
});
