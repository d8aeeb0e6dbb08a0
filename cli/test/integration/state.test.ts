// State files: written with mode 0600; a corrupt or truncated file gives a clear error naming it and
// loses no other record.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectDevice, pairDevice, paseoBin, startDaemon, testEnv } from './harness.js';

describe('state files', () => {
  const home = mkdtempSync(join(tmpdir(), 'paseo-state-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('writes private files, survives a corrupt device record, and names it', async () => {
    let d = await startDaemon({ home });
    const a = await pairDevice(d, 'Phone A');
    const b = await pairDevice(d, 'Phone B');
    a.conn.close();
    b.conn.close();
    for (const f of ['identity.json', ...readdirSync(join(home, 'devices')).map((x) => join('devices', x))]) {
      expect(statSync(join(home, f)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(join(home, 'paseo.sock')).mode & 0o777).toBe(0o600);
    await d.stop();

    // Truncate A's record.
    const fileA = join(home, 'devices', `${a.conn.welcome.deviceId}.json`);
    writeFileSync(fileA, readFileSync(fileA, 'utf8').slice(0, 20));
    d = await startDaemon({ home });
    const status = d.cliJson<{ warnings: string[]; devices: number }>(['status', '--json']);
    expect(status.devices).toBe(1);
    expect(status.warnings.join('\n')).toContain(fileA);
    expect(d.cli(['status']).stdout).toContain(fileA);
    // B still connects; A's broken file is left alone for the user to inspect.
    const again = await connectDevice(d, b.keys);
    expect(again.welcome.deviceName).toBe('Phone B');
    again.close();
    expect(readFileSync(fileA, 'utf8').length).toBe(20);
    await d.stop();
  });

  it('refuses to start on a corrupt identity and says which file', () => {
    const h = mkdtempSync(join(tmpdir(), 'paseo-id-'));
    writeFileSync(join(h, 'identity.json'), '{"version":1,"daemonId":"abc');
    const r = spawnSync(paseoBin(), ['up', '--no-tailnet', '--listen', '127.0.0.1:0'], {
      env: testEnv(h),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(join(h, 'identity.json'));
    expect(r.stderr).toMatch(/corrupt or truncated/);
    rmSync(h, { recursive: true, force: true });
  });

  it('refuses a state folder that other users can write to, or that belongs to another user', () => {
    const up = (home: string) =>
      spawnSync(paseoBin(), ['up', '--no-tailnet', '--listen', '127.0.0.1:0'], {
        env: testEnv(home),
        encoding: 'utf8',
        timeout: 20_000,
      });
    const shared = mkdtempSync(join(tmpdir(), 'paseo-shared-'));
    try {
      chmodSync(shared, 0o777);
      // A device file planted by someone else must never be read.
      mkdirSync(join(shared, 'devices'));
      let r = up(shared);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(
        `paseo: paseo will not use ${shared}: other users can write to it and could add devices to it. Run \`chmod 700 ${shared}\`, then try again.`,
      );
      expect(existsSync(join(shared, 'identity.json'))).toBe(false);
      chmodSync(shared, 0o770);
      expect(up(shared).stderr).toContain(`chmod 700 ${shared}`);
      // The CLI does not talk to a socket in such a folder either.
      expect(spawnSync(paseoBin(), ['devices'], { env: testEnv(shared), encoding: 'utf8' }).stderr).toContain(
        `chmod 700 ${shared}`,
      );

      // Owned by another user: as root, a folder given to "nobody"; otherwise a system folder (root's).
      let foreign = '/usr/share';
      if (process.getuid?.() === 0) {
        foreign = join(shared, 'nobody');
        mkdirSync(foreign, { mode: 0o700 });
        chownSync(foreign, 65534, 65534);
      }
      r = up(foreign);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`paseo will not use ${foreign}: it belongs to another user \\(uid \\d+\\)`));
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  });

  it('explains a state folder too deep for the control socket instead of failing with EINVAL', () => {
    const base = mkdtempSync(join(tmpdir(), 'paseo-deep-'));
    const deep = join(base, 'a-folder-name-long-enough-'.repeat(4));
    try {
      for (const args of [['up', '--no-tailnet', '--listen', '127.0.0.1:0'], ['devices']]) {
        const r = spawnSync(paseoBin(), args, { env: testEnv(deep), encoding: 'utf8', timeout: 20_000 });
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(
          new RegExp(
            `^paseo: The state folder ${deep} is too deep for paseo's control socket: its path would be \\d+ bytes and a unix socket allows 107\\. Set PASEO_HOME to a shorter folder`,
          ),
        );
        expect(r.stderr).not.toContain('EINVAL');
      }
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('no escape sequence from a device record reaches `paseo devices`', async () => {
    const h = mkdtempSync(join(tmpdir(), 'paseo-esc-'));
    mkdirSync(join(h, 'devices'), { mode: 0o700 });
    const id = 'planted0001';
    writeFileSync(
      join(h, 'devices', `${id}.json`),
      JSON.stringify({
        version: 1,
        id,
        name: 'Phone\u001b[31m RED\u001b[0m',
        publicKey: Buffer.alloc(32, 9).toString('base64url'),
        pairedAt: new Date().toISOString(),
        lastSeenAt: null,
        tailnetIdentity: 'Pixel\u001b]0;pwned\u0007 8 · alice@\u009b2Jexample.com\u202e',
      }),
      { mode: 0o600 },
    );
    const d = await startDaemon({ home: h });
    try {
      const text = d.cli(['devices']).stdout;
      expect(text).toContain('Phone [31m RED [0m (Pixel ]0;pwned 8 · alice@ 2Jexample.com)');
      const json = d.cli(['devices', '--json']).stdout;
      for (const out of [text, json]) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
        expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
      }
    } finally {
      await d.stop();
      rmSync(h, { recursive: true, force: true });
    }
  });
});
