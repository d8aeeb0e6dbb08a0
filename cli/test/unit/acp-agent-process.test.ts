// The ACP agent as a child process (AgentProcess), with real processes: what reaches the protocol
// stream and what the log, the last words kept to explain a crash, how it is ended (its whole process
// group, softly or hard), and how its end is reported once, also when a child keeps its output open.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentProcess, MAX_LOGGED_LINES } from '../../src/session/acp/agent-process.js';
import type { SessionExit } from '../../src/session/engine.js';
import { waitFor } from '../fixtures/session-harness.js';

const started: AgentProcess[] = [];
const strays: number[] = [];
afterEach(() => {
  for (const agent of started.splice(0)) agent.terminate('hard');
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
});

/** An agent running `script` (Node) with its log lines and exits recorded. */
function run(script: string, file = process.execPath) {
  const lines: string[] = [];
  const exits: SessionExit[] = [];
  const agent = new AgentProcess({
    file,
    args: ['-e', script],
    cwd: '/tmp',
    env: { PATH: process.env.PATH ?? '' },
    maxLineBytes: 1000,
    logLine: (stream, text) => lines.push(`${stream}: ${text}`),
  });
  agent.onExit((exit) => exits.push(exit));
  started.push(agent);
  const exited = () => waitFor('the exit report', () => exits.length > 0);
  return { agent, lines, exits, exited };
}

/** Everything the agent's protocol stream carried until it ended, as text. */
async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stream.getReader();
  let text = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += Buffer.from(r.value).toString('utf8');
  return text;
}

/** True while a process exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A grandchild that sleeps with the agent's stdout and stderr, its pid said on stdout. */
const GRANDCHILD = `
const child = require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: ['ignore', 'inherit', 'inherit'] });
console.log('grandchild ' + child.pid);
`;
const grandchildPid = (lines: string[]): number | undefined => {
  const line = lines.find((l) => l.startsWith('stdout: grandchild '));
  return line ? Number(line.slice('stdout: grandchild '.length)) : undefined;
};

describe('an ACP agent process', () => {
  it('passes JSON-RPC lines on as protocol, the rest to the log, and ends the stream when the agent ends', async () => {
    const { agent, lines, exits, exited } = run(`
      console.log('Starting up (not protocol)');
      console.log('{"jsonrpc":"2.0","method":"one"}');
      process.stdout.write('{"jsonrpc":"2.0","method":"last, without a newline"}');
    `);
    const text = await readAll(agent.output);
    expect(text).toBe('{"jsonrpc":"2.0","method":"one"}\n{"jsonrpc":"2.0","method":"last, without a newline"}\n');
    await exited();
    expect(exits).toEqual([{ exitCode: 0, signal: null }]);
    expect(agent.exited).toBe(true);
    expect(lines).toEqual(['stdout: Starting up (not protocol)']);
    expect(agent.lastWords()).toEqual([]);
  });

  it('keeps the last five stderr lines with text (trimmed, without control characters) as last words', async () => {
    const { agent, lines, exits, exited } = run(`
      for (const l of ['one', '', 'two', '   ', '\x1b[0m', 'three', '\\x1b[31mfour\\x1b[0m', '  {"jsonrpc":"2.0","method":"log"}  ', 'six']) console.error(l);
      process.stderr.write('seven, without a newline');
      process.exitCode = 4;
    `);
    await exited();
    expect(exits).toEqual([{ exitCode: 4, signal: null }]);
    expect(agent.lastWords()).toEqual([
      'three',
      'four',
      '{"jsonrpc":"2.0","method":"log"}',
      'six',
      'seven, without a newline',
    ]);
    expect(lines).toEqual([
      'stderr: one',
      'stderr: two',
      'stderr: three',
      'stderr: four',
      'stderr: {"jsonrpc":"2.0","method":"log"}',
      'stderr: six',
      'stderr: seven, without a newline',
    ]);
    // The caller gets a copy: changing it changes nothing.
    agent.lastWords().push('not said');
    expect(agent.lastWords()).toHaveLength(5);
  });

  it(`logs ${MAX_LOGGED_LINES} lines of an agent's noise, then says once that it stops logging`, async () => {
    const { lines, exited } = run(`for (let i = 1; i <= ${MAX_LOGGED_LINES + 3}; i++) console.log('noise ' + i);`);
    await exited();
    expect(lines).toHaveLength(MAX_LOGGED_LINES + 1);
    expect(lines.slice(MAX_LOGGED_LINES - 2)).toEqual([
      `stdout: noise ${MAX_LOGGED_LINES - 1}`,
      `stdout: noise ${MAX_LOGGED_LINES}`,
      `stdout: (more lines from the agent are not logged: over ${MAX_LOGGED_LINES})`,
    ]);
  });

  it('reports a program that cannot be started as its exit, with the reason as last words', async () => {
    const { agent, exits, exited } = run('', '/nonexistent/acp-agent');
    expect(agent.pid).toBeUndefined();
    agent.terminate('soft'); // nothing to signal, and no error
    await exited();
    expect(exits).toEqual([{ exitCode: -1, signal: null }]);
    expect(agent.lastWords()).toEqual(['spawn /nonexistent/acp-agent ENOENT']);
    expect(await readAll(agent.output)).toBe('');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exits).toHaveLength(1);
  });

  it('drops protocol lines once its reader cancelled the stream, and still reports the exit', async () => {
    const { agent, exits, exited } = run(`
      require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
        console.log('{"jsonrpc":"2.0","method":"after the cancel"}');
        process.stdout.write('{"jsonrpc":"2.0","method":"last"}');
        process.exit(0);
      });
    `);
    await agent.output.cancel(new Error('the connection closed'));
    await agent.input.getWriter().write(Buffer.from('go\n'));
    await exited();
    expect(exits).toEqual([{ exitCode: 0, signal: null }]);
  });

  it('takes input until the agent stops, then refuses it with a sentence', async () => {
    const { agent, exits, exited } = run(`
      require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
        console.log(JSON.stringify({ jsonrpc: '2.0', method: 'echo', params: l }));
        process.exit(0);
      });
    `);
    const writer = agent.input.getWriter();
    await writer.write(Buffer.from('hello\n'));
    expect(await readAll(agent.output)).toBe('{"jsonrpc":"2.0","method":"echo","params":"hello"}\n');
    await exited();
    expect(exits).toEqual([{ exitCode: 0, signal: null }]);
    await expect(writer.write(Buffer.from('again\n'))).rejects.toThrow(/^The agent has stopped\.$/);
  });

  it('survives an agent that closes its input: the write fails, the agent runs on', async () => {
    const { agent, lines } = run(`
      require('node:fs').closeSync(0);
      console.log('stdin closed');
      setTimeout(() => {}, 60000);
    `);
    await waitFor('the agent closed its stdin', () => lines.includes('stdout: stdin closed'));
    await expect(agent.input.getWriter().write(Buffer.from('hello\n'))).rejects.toThrow(/EPIPE/);
    await new Promise((resolve) => setImmediate(resolve));
    expect(agent.exited).toBe(false);
  });

  it('refuses input once asked to stop, even while the agent lingers', async () => {
    const { agent, lines } = run(`
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      process.stdin.resume();
      process.stdin.on('end', () => console.log('stdin ended, staying'));
      setTimeout(() => {}, 60000);
      console.log('up');
    `);
    await waitFor('started', () => lines.includes('stdout: up'));
    agent.terminate('soft');
    await waitFor('stdin ended', () => lines.includes('stdout: stdin ended, staying'));
    expect(agent.exited).toBe(false);
    await expect(agent.input.getWriter().write(Buffer.from('late\n'))).rejects.toThrow(/^The agent has stopped\.$/);
  });

  it('ends softly with SIGTERM and a closed stdin, and hard with SIGKILL', async () => {
    const plain = run('setTimeout(() => {}, 60000); console.log("up")');
    await waitFor('started', () => plain.lines.includes('stdout: up'));
    plain.agent.terminate('soft');
    await plain.exited();
    expect(plain.exits).toEqual([{ exitCode: null, signal: 'SIGTERM' }]);

    const stubborn = run(`
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      process.stdin.resume();
      process.stdin.on('end', () => { console.log('stdin ended'); process.exit(7); });
      console.log('up');
    `);
    await waitFor('started', () => stubborn.lines.includes('stdout: up'));
    stubborn.agent.terminate('soft');
    await stubborn.exited();
    expect(stubborn.exits).toEqual([{ exitCode: 7, signal: null }]);
    expect(stubborn.lines).toContain('stdout: stdin ended');

    const deaf = run(`
      process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
      setTimeout(() => {}, 60000);
      console.log('up');
    `);
    await waitFor('started', () => deaf.lines.includes('stdout: up'));
    deaf.agent.terminate('hard');
    await deaf.exited();
    expect(deaf.exits).toEqual([{ exitCode: null, signal: 'SIGKILL' }]);
  });

  it("ends the agent's whole process group, its children included", async () => {
    const { agent, lines, exits, exited } = run(`${GRANDCHILD} setTimeout(() => {}, 60000);`);
    await waitFor('the grandchild', () => grandchildPid(lines) !== undefined);
    const grandchild = grandchildPid(lines) as number;
    strays.push(grandchild);
    expect(alive(grandchild)).toBe(true);
    agent.terminate('hard');
    await exited();
    expect(exits).toEqual([{ exitCode: null, signal: 'SIGKILL' }]);
    await waitFor('the grandchild gone', () => !alive(grandchild), 3000);
  });

  it('reports the exit once, after a short drain, when a child keeps its output open; signals nobody after it', async () => {
    const { agent, lines, exits, exited } = run(`${GRANDCHILD} setTimeout(() => process.exit(5), 100);`);
    await waitFor('the grandchild', () => grandchildPid(lines) !== undefined);
    const grandchild = grandchildPid(lines) as number;
    strays.push(grandchild);
    await waitFor('the agent exited', () => agent.exited);
    // Its pid may belong to someone else by now: ending it does nothing.
    agent.terminate('hard');
    await exited();
    expect(exits).toEqual([{ exitCode: 5, signal: null }]);
    expect(alive(grandchild)).toBe(true);
    expect(await readAll(agent.output)).toBe('');
    // The grandchild ends: its output closes late, and nothing is reported twice.
    process.kill(grandchild, 'SIGKILL');
    await waitFor('the grandchild gone', () => !alive(grandchild), 3000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exits).toHaveLength(1);
  });
});
