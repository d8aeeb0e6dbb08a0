// Writes a conversation to PASEO_HOME/recordings/<id>.acp.jsonl (format: cli/src/conversation/file.ts)
// through a RecordingWriter, like a terminal recording: queued, never blocking the session, rotated at
// its size cap. It is what `paseo logs` reads, also after the daemon restarted.
import { type ConversationHeader, eventLine, exitLine, headerLine } from '../../conversation/file.js';
import type { SessionExit } from '../engine.js';
import { type RecordingLimits, type RecordingLog, RecordingWriter } from '../recording-writer.js';

/** A conversation recording being written. */
export class ConversationRecorder {
  private readonly writer: RecordingWriter;

  /** Creates the file with its header now. */
  constructor(path: string, header: ConversationHeader, limits: RecordingLimits, log: RecordingLog) {
    this.writer = new RecordingWriter(path, () => headerLine(header), limits, log);
  }

  /** Characters waiting for the disk. */
  get queuedBytes(): number {
    return this.writer.queuedBytes;
  }

  /** Records event number `seq` (its JSON). */
  event(seq: number, json: string): void {
    const line = eventLine(seq, json);
    this.writer.append({ atMs: Date.now(), chars: line.length, line: () => line });
  }

  /** Records how the agent ended (unless already closed), then writes everything and closes the file. */
  async close(exit?: SessionExit): Promise<void> {
    if (exit) {
      const line = exitLine(exit, new Date().toISOString());
      this.writer.append({ atMs: Date.now(), chars: line.length, line: () => line });
    }
    await this.writer.close();
  }
}
