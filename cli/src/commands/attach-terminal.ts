// Attaching this terminal to a session over the control socket, like `tmux attach`: raw keyboard in,
// output out (acknowledged after it is written, for flow control), resize on SIGWINCH, Ctrl-] detaches.
import type { ControlClient } from './control-client.js';

/** The byte that detaches (Ctrl-]). */
export const DETACH_BYTE = 0x1d;
/** How the detach key is shown to people. */
export const DETACH_KEY_LABEL = 'Ctrl-]';

/** How an attachment ended. */
export type AttachEnd =
  | { kind: 'detached' }
  | { kind: 'exited'; exitCode: number | null; signal: string | null }
  | { kind: 'lost' };

/** Attaches stdin/stdout to a session until detach, exit or a lost daemon. */
export function attachTerminal(client: ControlClient, sessionId: string): Promise<AttachEnd> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  return new Promise((resolve) => {
    let done = false;
    const finish = (end: AttachEnd) => {
      if (done) return;
      done = true;
      stdin.off('data', onInput);
      process.off('SIGWINCH', onResize);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      off();
      resolve(end);
    };
    const onInput = (chunk: Buffer) => {
      const i = chunk.indexOf(DETACH_BYTE);
      if (i >= 0) {
        if (i > 0) client.send({ t: 'session.input', sessionId }, chunk.subarray(0, i));
        client.send({ t: 'session.detach', sessionId });
        finish({ kind: 'detached' });
        return;
      }
      client.send({ t: 'session.input', sessionId }, chunk);
    };
    const onResize = () => client.send({ t: 'session.resize', sessionId, ...size() });
    const off = client.onMessage((msg, body) => {
      if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
      if (msg.t === 'session.snapshot') {
        stdout.write('\x1bc');
        stdout.write(body, () => client.send({ t: 'session.ack', sessionId, seq: msg.seq }));
      } else if (msg.t === 'session.output') {
        stdout.write(body, () => client.send({ t: 'session.ack', sessionId, seq: msg.seq }));
      } else if (msg.t === 'session.exit') {
        finish({ kind: 'exited', exitCode: msg.exitCode, signal: msg.signal });
      }
    });
    client.onClose(() => finish({ kind: 'lost' }));
    if (stdin.isTTY) stdin.setRawMode(true);
    stdin.on('data', onInput);
    stdin.resume();
    process.on('SIGWINCH', onResize);
    client.send({ t: 'session.attach', sessionId, ...size() });
  });
}

/** Prints how an attachment ended and sets the exit code. */
export function reportEnd(end: AttachEnd, name: string): void {
  if (end.kind === 'detached')
    process.stderr.write(`\r\n[detached from ${name}; it keeps running. Reattach with \`paseo attach ${name}\`]\r\n`);
  else if (end.kind === 'lost') {
    process.stderr.write('\r\n[lost the connection to the paseo daemon]\r\n');
    process.exitCode = 1;
  } else {
    const how = end.signal ? `was ended by ${end.signal}` : `exited with code ${end.exitCode ?? '?'}`;
    process.stderr.write(`\r\n[${name} ${how}]\r\n`);
    process.exitCode = end.exitCode ?? 1;
  }
}
