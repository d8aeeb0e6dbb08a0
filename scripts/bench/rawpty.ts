// Baseline (a): node-pty used directly in the benchmark process, the floor under any PTY-based server.
import { Listeners, nodePty, type Term, type TermPath } from './common.js';

export class RawPtyPath implements TermPath {
  readonly name = 'node-pty';

  async spawn(argv: string[]): Promise<Term> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    env.TERM = 'xterm-256color';
    const pty = nodePty().spawn(argv[0] as string, argv.slice(1), {
      name: 'xterm-256color',
      cols: 80,
      rows: 24,
      cwd: process.cwd(),
      env,
      encoding: null,
    });
    const listeners = new Listeners();
    pty.onData((d: string | Buffer) => listeners.emit(typeof d === 'string' ? Buffer.from(d) : d));
    let exited = false;
    const exitP = new Promise<void>((resolve) =>
      pty.onExit(() => {
        exited = true;
        resolve();
      }),
    );
    return {
      onData: (cb) => listeners.add(cb),
      write(bytes) {
        pty.write((typeof bytes === 'string' ? bytes : Buffer.from(bytes)) as unknown as string);
      },
      exited: exitP,
      async close() {
        if (!exited) {
          try {
            process.kill(-pty.pid, 'SIGHUP');
          } catch {
            pty.kill('SIGKILL');
          }
          const t = setTimeout(() => {
            try {
              pty.kill('SIGKILL');
            } catch {
              /* gone */
            }
          }, 3000);
          await exitP;
          clearTimeout(t);
        }
      },
      serverPids: () => [],
    };
  }
}
