// The daemon's start-up and its control socket, in this process: a second daemon on the same state folder
// is refused with a sentence and the first keeps running; a stale socket file is replaced; a malformed
// frame on the control socket gets an error and a close; damaged device files show in status; the pairing
// code lifetime a test may shorten, and only shorten.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, LengthPrefixedDecoder } from '../../src/channel/frame.js';
import { CODE_TTL_MS } from '../../src/channel/pairing-code.js';
import { ControlClient } from '../../src/commands/control-client.js';
import { Daemon } from '../../src/daemon/daemon.js';
import { silentLogger } from '../../src/log.js';
import { type InProcessDaemon, rejection, startInProcessDaemon } from '../fixtures/daemon-in-process.js';

const log = { ...silentLogger, withTag: () => silentLogger };

let d: InProcessDaemon | undefined;
const homes: string[] = [];
afterEach(async () => {
  await d?.stop();
  d = undefined;
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function home(): string {
  const h = mkdtempSync(join(tmpdir(), 'paseo-ctl-'));
  homes.push(h);
  return h;
}

const start = (h: string) => Daemon.start({ home: h, listen: { host: '127.0.0.1', port: 0 }, tailnet: false, log });

/** This process's umask (read by setting it and putting it back: `process.umask()` alone is deprecated). */
function currentUmask(): number {
  const mask = process.umask(0o022);
  process.umask(mask);
  return mask;
}

describe('daemon start-up', () => {
  it('refuses a second daemon on the same state folder; the first keeps answering', async () => {
    d = await startInProcessDaemon();
    const err = await rejection(start(d.home), Error);
    expect(err.message).toBe(
      `paseo is already running for ${d.home}. Use \`paseo status\` to see it or \`paseo down\` to stop it.`,
    );
    const owner = await ControlClient.connect(d.home);
    expect((await owner.request({ t: 'status' })).home).toBe(d.home);
    owner.close();
  });

  it('replaces a stale control socket left by a daemon that died, with a private one', async () => {
    const h = home();
    const socket = join(h, 'paseo.sock');
    // A socket file nobody listens on any more.
    writeFileSync(socket, ''); // what a daemon that died leaves behind: nothing answers there
    const umask = currentUmask();
    const daemon = await start(h);
    try {
      expect(statSync(socket).mode & 0o777).toBe(0o600);
      // The socket is made private through the umask, which is the process's own again afterwards.
      expect(currentUmask()).toBe(umask);
      const owner = await ControlClient.connect(h);
      expect((await owner.request({ t: 'status' })).pid).toBe(process.pid);
      owner.close();
    } finally {
      await daemon.stop();
    }
    expect(existsSync(socket)).toBe(false);
    expect(() => statSync(socket)).toThrow(/ENOENT/); // removed on stop
  });

  it('shows damaged device files in status and the log, and answers with this machine’s name', async () => {
    const h = home();
    mkdirSync(join(h, 'devices'), { mode: 0o700 });
    const broken = join(h, 'devices', 'broken001.json');
    writeFileSync(broken, '{"version":1', { mode: 0o600 });
    const warned: string[] = [];
    const daemon = await Daemon.start({
      home: h,
      listen: { host: '127.0.0.1', port: 0 },
      tailnet: false,
      log: { ...log, warn: (m: unknown) => warned.push(String(m)) },
    });
    try {
      const status = daemon.status();
      expect(status.warnings).toEqual([expect.stringContaining(broken)]);
      expect(warned).toContainEqual(expect.stringContaining(broken));
      expect(status).toMatchObject({ devices: 0, sessions: 0, sessionsRunning: 0, tailnet: { state: 'off' } });
      expect(daemon.hostname).toBe(hostname());
      expect(daemon.urls()).toEqual([daemon.localUrl]);
      expect(daemon.tailnetUrl).toBeUndefined();
    } finally {
      await daemon.stop();
    }
  });

  it('takes a shorter pairing code lifetime from PASEO_CODE_TTL_MS, never a longer or a broken one', async () => {
    const lifetime = async (value: string | undefined) => {
      const saved = process.env.PASEO_CODE_TTL_MS;
      if (value === undefined) delete process.env.PASEO_CODE_TTL_MS;
      else process.env.PASEO_CODE_TTL_MS = value;
      try {
        const daemon = await start(home());
        const before = Date.now();
        const pairing = daemon.createPairing();
        await daemon.stop();
        return Date.parse(pairing.expiresAt) - before;
      } finally {
        if (saved === undefined) delete process.env.PASEO_CODE_TTL_MS;
        else process.env.PASEO_CODE_TTL_MS = saved;
      }
    };
    // The code is made a moment after `before`: its lifetime counted from then is a little more.
    const short = await lifetime('1500');
    expect(short).toBeGreaterThanOrEqual(1500);
    expect(short).toBeLessThan(2500);
    for (const ignored of [undefined, String(CODE_TTL_MS * 2), String(CODE_TTL_MS), '0', '-5', '1.5', 'soon']) {
      const ms = await lifetime(ignored);
      expect(ms, String(ignored)).toBeGreaterThanOrEqual(CODE_TTL_MS);
      expect(ms, String(ignored)).toBeLessThan(CODE_TTL_MS + 1000);
    }
  });
});

describe('the control socket', () => {
  it('answers a malformed frame with an error and closes; the daemon keeps running', async () => {
    d = await startInProcessDaemon();
    const socket = createConnection(join(d.home, 'paseo.sock'));
    const decoder = new LengthPrefixedDecoder();
    const replies: Record<string, unknown>[] = [];
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(new Uint8Array(chunk))) replies.push(decodeMessage(frame).header);
    });
    const closed = new Promise<void>((res) => socket.on('close', () => res()));
    await new Promise<void>((res) => socket.once('connect', () => res()));
    socket.write(Uint8Array.of(0, 0, 0, 3, 1, 2, 3)); // a length-prefixed frame that is no message
    await closed;
    expect(replies).toEqual([
      { t: 'error', code: 'bad-request', message: 'The command sent a malformed message to the daemon.' },
    ]);
    expect(d.daemon.clients.size).toBe(0);
    const owner = await ControlClient.connect(d.home);
    expect((await owner.request({ t: 'status' })).devices).toBe(0);
    owner.close();
  });

  it('tells the owner’s CLI when the daemon stops, and forgets it when it leaves', async () => {
    d = await startInProcessDaemon();
    const owner = await ControlClient.connect(d.home);
    await owner.request({ t: 'status' });
    expect(d.daemon.clients.size).toBe(1);
    const pushes: string[] = [];
    owner.onMessage((msg) => pushes.push(msg.t === 'error' ? `${msg.code}: ${msg.message}` : msg.t));
    const closed = new Promise<void>((res) => owner.onClose(res));
    await d.daemon.stop();
    await closed;
    expect(pushes).toContain('failed: paseo was stopped on the computer.');
    d = undefined;
  });

  it('forgets a CLI that disconnects', async () => {
    d = await startInProcessDaemon();
    const owner = await ControlClient.connect(d.home);
    await owner.request({ t: 'status' });
    expect(d.daemon.clients.size).toBe(1);
    owner.close();
    await expect.poll(() => d!.daemon.clients.size).toBe(0);
  });
});
