// Entry of the screen worker thread: the ScreenService behind the worker's message port. Bundled on its
// own (screen-worker-code.ts) and started from that code with `eval`, so it runs inside the single binary.
import { parentPort } from 'node:worker_threads';
import type { ToScreen } from './screen-protocol.js';
import { ScreenService } from './screen-service.js';

const port = parentPort;
if (!port) throw new Error('screen-worker.ts runs as a worker thread');
const service = new ScreenService((msg, transfer) => port.postMessage(msg, transfer ?? []));
port.on('message', (msg: ToScreen) => service.handle(msg));
