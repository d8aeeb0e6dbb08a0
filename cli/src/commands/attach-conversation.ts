// Attaching this terminal to an ACP session: the conversation so far, then live, line by line; each
// line typed is a prompt; /cancel, /allow, /reject and /1…/9 act on the agent's turn and its question.
// Works with a pipe as well as a terminal (a script can send prompts and read the answers).
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { SessionInfo } from '../channel/messages.js';
import { firstOption, parseEventsBody, parseSnapshotBody } from '../conversation/events.js';
import type { AttachEnd } from './attach-terminal.js';
import type { ControlClient } from './control-client.js';
import { LivePrinter } from './conversation-text.js';

/** How the keys of a conversation attachment are shown to people. */
export const CONVERSATION_HELP =
  'Type a prompt and Enter. /cancel stops the turn, /allow or /reject (or /1, /2…) answers a question, Ctrl-D detaches.';

/** Attaches stdin/stdout to an ACP session until detach (Ctrl-D, end of input), exit or a lost daemon. */
export function attachConversation(client: ControlClient, session: SessionInfo): Promise<AttachEnd> {
  const sessionId = session.id;
  const stdout = process.stdout;
  const tty = process.stdin.isTTY === true && stdout.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    ...(tty ? { output: stdout, prompt: '› ' } : {}),
    terminal: tty,
  });
  const write = (text: string): void => {
    if (!tty) {
      stdout.write(text);
      return;
    }
    clearLine(stdout, 0);
    cursorTo(stdout, 0);
    stdout.write(text);
    rl.prompt(true);
  };
  const printer = new LivePrinter(write);
  const act = (what: Promise<unknown>): void => {
    what.catch((err: unknown) => write(`! ${err instanceof Error ? err.message : String(err)}\n`));
  };

  return new Promise((resolve) => {
    let done = false;
    const finish = (end: AttachEnd): void => {
      if (done) return;
      done = true;
      printer.flush();
      off();
      if (end.kind === 'detached') client.send({ t: 'session.detach', sessionId });
      rl.close();
      resolve(end);
    };
    const answer = (pick: 'allow' | 'reject' | number): void => {
      const request = printer.current.pendingPermissions()[0];
      if (!request) {
        write('! The agent is not asking anything right now.\n');
        return;
      }
      const option = typeof pick === 'number' ? request.options[pick - 1] : firstOption(request.options, pick);
      if (!option) {
        write(`! That is not one of the answers: ${request.options.map((o, i) => `/${i + 1} ${o.name}`).join('  ')}\n`);
        return;
      }
      act(client.request({ t: 'session.permit', sessionId, requestId: request.id, optionId: option.id }));
    };
    const onLine = (raw: string): void => {
      const line = raw.trim();
      if (line === '') return;
      if (line === '/detach') finish({ kind: 'detached' });
      else if (line === '/cancel') act(client.request({ t: 'session.cancel', sessionId }));
      else if (line === '/allow' || line === '/reject') answer(line.slice(1) as 'allow' | 'reject');
      else if (/^\/[1-9]$/.test(line)) answer(Number(line.slice(1)));
      else if (line.startsWith('/')) write(`! ${CONVERSATION_HELP}\n`);
      else act(client.request({ t: 'session.send', sessionId }, new TextEncoder().encode(line)));
    };
    const off = client.onMessage((msg, body) => {
      if (!('sessionId' in msg) || msg.sessionId !== sessionId) return;
      try {
        if (msg.t === 'session.conversation') {
          const snap = parseSnapshotBody(body);
          printer.reset(snap.items, snap.omitted);
          client.send({ t: 'session.ack', sessionId, seq: msg.seq });
        } else if (msg.t === 'session.events') {
          for (const e of parseEventsBody(body)) printer.event(e);
          client.send({ t: 'session.ack', sessionId, seq: msg.seq });
        } else if (msg.t === 'session.exit') {
          finish({ kind: 'exited', exitCode: msg.exitCode, signal: msg.signal });
        }
      } catch (err) {
        write(`! Could not show part of the conversation: ${String(err)}\n`);
      }
    });
    client.onClose(() => finish({ kind: 'lost' }));
    rl.on('line', onLine);
    rl.on('close', () => finish({ kind: 'detached' }));
    rl.on('SIGINT', () => finish({ kind: 'detached' }));
    client.send({ t: 'session.attach', sessionId });
    if (tty) rl.prompt();
  });
}
