// An agent speaking the Agent Client Protocol on stdio, with Paseo as the client (the official SDK,
// @agentclientprotocol/sdk). What it says becomes numbered conversation events: viewers get them live
// or resume by event number, the folded conversation is the snapshot, and every event is recorded to
// PASEO_HOME/recordings/<id>.acp.jsonl. One ACP session per Paseo session; one prompt turn at a time.
//
// Client capabilities: none are advertised — Paseo does not (yet) serve fs/read_text_file,
// fs/write_text_file or terminal/* to agents, so agents use their own file access and shell.
import {
  type ClientCapabilities,
  type ClientConnection,
  client,
  ndJsonStream,
  PROTOCOL_VERSION,
  RequestError,
  type RequestPermissionRequest,
  type RequestPermissionResponse,
  type SessionNotification,
  type StopReason,
} from '@agentclientprotocol/sdk';
import type { SessionInfo } from '../../channel/messages.js';
import { type ConversationEvent, clip, MAX_EVENT_TEXT_CHARS } from '../../conversation/events.js';
import { randomId } from '../../state/ids.js';
import { PASEO_VERSION } from '../../version.js';
import type { Engine, EngineHooks, Feed, FlowLimits, RunSpec, SessionExit, SessionStats } from '../engine.js';
import { SessionError } from '../errors.js';
import type { SessionLimits } from '../limits.js';
import type { SessionLog } from '../session.js';
import { AgentProcess } from './agent-process.js';
import { ConversationRecorder } from './conversation-recorder.js';
import { EventLog } from './event-log.js';
import { mapPermission, mapUpdate, toolCallId } from './mapping.js';
import { PermissionBroker } from './permissions.js';

/** What Paseo offers agents: nothing beyond the baseline (see the module comment). */
export const CLIENT_CAPABILITIES: ClientCapabilities = {};

/** ACP's error code for "authentication required". */
const AUTH_REQUIRED = -32000;

/** What an ACP engine runs. */
export interface AcpSpec extends RunSpec {
  /** An unanswered permission request gets the safe answer after this long. */
  permissionTimeoutMs: number;
}

type Activity = 'starting' | 'ready' | 'working';
type Turn = { cancelled: boolean; by?: string };

/** An ACP agent and its conversation. */
export class AcpEngine implements Engine {
  readonly kind = 'acp' as const;
  readonly feed: Feed;
  readonly flow: FlowLimits;
  readonly recordingPath: string;
  private readonly events: EventLog;
  private readonly recorder: ConversationRecorder;
  private readonly agent: AgentProcess;
  private readonly connection: ClientConnection;
  private readonly permissions: PermissionBroker;
  private readonly ready: Promise<boolean>;
  private activity: Activity = 'starting';
  private acpSessionId: string | undefined;
  private agentName: string | undefined;
  /** The current turn (a prompt sent or waiting for the agent to be ready), and who cancelled it. */
  private turn: Turn | undefined;
  private stopRequested = false;
  private ended = false;

  /** Starts the agent and the ACP handshake; throws if the process cannot be created. */
  constructor(
    private readonly spec: AcpSpec,
    private readonly limits: SessionLimits,
    private readonly log: SessionLog,
    private readonly hooks: EngineHooks,
  ) {
    this.recordingPath = spec.recordingPath;
    this.flow = {
      chunkUnits: limits.eventsChunk,
      highWatermark: limits.eventsHighWatermark,
      lowWatermark: limits.eventsLowWatermark,
      stalledViewerMs: limits.stalledViewerMs,
    };
    this.events = new EventLog(limits.eventBufferBytes);
    this.feed = this.events.feed(spec.id, limits.conversationSnapshotBytes);
    this.recorder = new ConversationRecorder(
      spec.recordingPath,
      {
        paseo: 'conversation',
        version: 1,
        id: spec.id,
        name: spec.name,
        command: spec.command,
        cwd: spec.cwd,
        startedAt: new Date().toISOString(),
      },
      {
        maxBytes: limits.recordingMaxBytes,
        keepFiles: limits.recordingKeepFiles,
        queueBytes: limits.recordingQueueBytes,
      },
      log,
    );
    this.permissions = new PermissionBroker(
      spec.permissionTimeoutMs,
      (event) => this.append(event),
      () => this.refresh(),
    );
    this.agent = new AgentProcess({
      file: spec.file,
      args: spec.args,
      cwd: spec.cwd,
      env: spec.env,
      maxLineBytes: limits.acpMaxLineBytes,
      logLine: (stream, text) => log.info(`Session ${spec.id} agent ${stream}: ${text}`),
    });
    const app = client({ name: 'paseo' })
      .onRequest('session/request_permission', ({ params, signal }) => this.onPermission(params, signal))
      .onNotification('session/update', ({ params }) => this.onUpdate(params));
    this.connection = app.connect(
      ndJsonStream(this.agent.input, this.agent.output, { maxMessageBytes: limits.acpMaxLineBytes }),
    );
    this.agent.onExit((exit) => void this.onExit(exit));
    this.ready = this.start();
  }

  infoFields(): Partial<SessionInfo> {
    return {
      ...(this.ended ? {} : { activity: this.activity }),
      permissions: this.permissions.pending(),
      ...(this.agentName ? { agent: this.agentName } : {}),
    };
  }

  attached(): void {}

  detached(): void {}

  input(): void {
    throw new SessionError(
      'bad-request',
      'This session is a conversation with an agent: send it a prompt (`paseo send`), not keystrokes.',
    );
  }

  resize(): void {}

  /** Sends a prompt; queued until the agent is ready if it is still starting. */
  send(text: string, by: string): void {
    const prompt = clip(text.trim(), MAX_EVENT_TEXT_CHARS);
    if (prompt === '') throw new SessionError('bad-request', 'The prompt is empty.');
    if (this.ended) throw new SessionError('failed', 'The agent has stopped.');
    if (this.turn) {
      throw new SessionError('failed', 'The agent is still answering the last prompt. Wait for it, or cancel it.');
    }
    const turn: Turn = { cancelled: false };
    this.turn = turn;
    this.append({ t: 'user', at: now(), text: prompt, by });
    this.setActivity('working');
    void this.runTurn(turn, prompt);
  }

  permit(requestId: string, optionId: string, by: string): void {
    if (this.ended) throw new SessionError('failed', 'The agent has stopped.');
    this.permissions.answer(requestId, optionId, by);
  }

  /** Cancels the current turn: waiting permission requests are cancelled and the agent is told to stop. */
  cancel(by: string): void {
    const turn = this.turn;
    if (!turn || this.ended) throw new SessionError('failed', 'The agent is not working on a prompt right now.');
    if (turn.cancelled) return;
    turn.cancelled = true;
    turn.by = by;
    this.permissions.cancelAll(by);
    if (this.acpSessionId) {
      this.connection.agent
        .notify('session/cancel', { sessionId: this.acpSessionId })
        .catch((err: unknown) =>
          this.log.warn(`Session ${this.spec.id}: could not send session/cancel: ${String(err)}`),
        );
    }
  }

  flowChanged(): void {}

  terminate(how: 'soft' | 'hard'): void {
    this.stopRequested = true;
    this.agent.terminate(how);
  }

  async dispose(): Promise<void> {
    this.connection.close();
    await this.recorder.close();
  }

  stats(): SessionStats {
    return {
      bufferedBytes: this.events.size,
      screenBacklogBytes: 0,
      coalescingBytes: 0,
      recordingQueueBytes: this.recorder.queuedBytes,
      ptyPaused: false,
    };
  }

  /** initialize, then session/new; false (and the agent told to stop) if that fails. */
  private async start(): Promise<boolean> {
    try {
      const init = await this.withinStartTimeout(
        this.connection.agent.request('initialize', {
          protocolVersion: PROTOCOL_VERSION,
          clientCapabilities: CLIENT_CAPABILITIES,
          clientInfo: { name: 'paseo', title: 'Paseo', version: PASEO_VERSION },
        }),
      );
      if (init.protocolVersion !== PROTOCOL_VERSION) {
        throw new StartProblem(
          `The agent speaks ACP version ${init.protocolVersion}, and Paseo speaks version ${PROTOCOL_VERSION}. Update one of them.`,
        );
      }
      const info = init.agentInfo;
      if (info) this.agentName = clip(`${info.title || info.name} ${info.version}`.trim(), 200);
      const session = await this.withinStartTimeout(
        this.connection.agent.request('session/new', { cwd: this.spec.cwd, mcpServers: [] }),
      );
      this.acpSessionId = session.sessionId;
      this.log.info(`Session ${this.spec.id}: ACP session ${session.sessionId} with ${this.agentName ?? 'the agent'}.`);
      if (!this.ended) this.setActivity(this.turn ? 'working' : 'ready');
      return !this.ended;
    } catch (err) {
      if (this.ended || this.agent.exited) return false;
      this.log.warn(`Session ${this.spec.id}: the ACP agent did not start: ${String(err)}`);
      this.append({ t: 'notice', at: now(), level: 'error', text: startSentence(err, this.spec.command) });
      // The exit that follows is expected: it needs no second explanation.
      this.terminate('soft');
      return false;
    }
  }

  private async runTurn(turn: Turn, prompt: string): Promise<void> {
    if (!(await this.ready) || this.ended) return;
    if (turn.cancelled) {
      this.endTurn(turn, 'cancelled');
      return;
    }
    try {
      const response = await this.connection.agent.request('session/prompt', {
        sessionId: this.acpSessionId as string,
        prompt: [{ type: 'text', text: prompt }],
      });
      await afterQueuedMessages();
      this.endTurn(turn, response.stopReason);
    } catch (err) {
      await afterQueuedMessages();
      if (this.ended || this.agent.exited) return; // the exit tells what happened
      this.log.warn(`Session ${this.spec.id}: session/prompt failed: ${String(err)}`);
      const message = err instanceof RequestError ? err.message : String(err);
      this.append({
        t: 'notice',
        at: now(),
        level: 'error',
        text: `The agent could not answer: ${clip(message, 1000)}`,
      });
      this.endTurn(turn, 'error');
    }
  }

  private endTurn(turn: Turn, stopReason: StopReason | 'error'): void {
    if (this.ended || this.turn !== turn) return;
    this.permissions.cancelAll(undefined);
    this.turn = undefined;
    const by = stopReason === 'cancelled' && turn.by ? { by: turn.by } : {};
    this.append({ t: 'turn', at: now(), stopReason, ...by });
    this.setActivity('ready');
  }

  private onUpdate(params: SessionNotification): void {
    if (this.ended || (this.acpSessionId && params.sessionId !== this.acpSessionId)) return;
    const event = mapUpdate(params.update, now());
    if (event) this.append(event);
  }

  private async onPermission(
    params: RequestPermissionRequest,
    signal: AbortSignal,
  ): Promise<RequestPermissionResponse> {
    // Updates the agent sent before this request are applied first (the SDK hands them over concurrently).
    await afterQueuedMessages();
    const otherSession = this.acpSessionId !== undefined && params.sessionId !== this.acpSessionId;
    if (this.ended || this.turn?.cancelled || otherSession) return { outcome: { outcome: 'cancelled' } };
    const known = this.events.conversation.items.findLast(
      (i) => i.t === 'tool' && i.id === toolCallId(params.toolCall.toolCallId),
    );
    const { tool, permission: request } = mapPermission(
      params,
      randomId(8),
      now(),
      known?.t === 'tool' ? known.title : undefined,
    );
    if (tool) this.append(tool);
    this.append(request);
    return this.permissions.ask(
      request,
      params.options.map((o) => o.optionId),
      signal,
    );
  }

  private async onExit(exit: SessionExit): Promise<void> {
    // Nobody can answer a waiting request any more. Settled now, before the ACP connection sees the end
    // of the agent's output and aborts them as if the agent had withdrawn them ("cancelled by the agent").
    this.permissions.cancelAll(undefined);
    // Messages the agent wrote before it ended are handled first.
    await afterQueuedMessages();
    await afterQueuedMessages();
    const turn = this.turn;
    const expected = this.stopRequested;
    if (!expected || turn) {
      const how = exit.signal ? `it was ended by ${exit.signal}` : `exit code ${exit.exitCode}`;
      const words = this.agent.lastWords();
      const starting = this.activity === 'starting';
      const text = expected
        ? `The agent was stopped (${how}).`
        : `The agent stopped${turn || starting ? ' unexpectedly' : ''} (${how}).${words.length ? ` Its last words: ${words.join(' / ')}` : ''}${starting ? ` Is \`${this.spec.command.join(' ')}\` an agent that speaks ACP?` : ''}`;
      const failed = !expected && (turn !== undefined || exit.exitCode !== 0);
      this.append({ t: 'notice', at: now(), level: failed ? 'error' : 'info', text: clip(text, 4000) });
    }
    if (turn) this.append({ t: 'turn', at: now(), stopReason: expected ? 'cancelled' : 'error' });
    this.turn = undefined;
    this.ended = true;
    this.connection.close();
    void this.recorder.close(exit);
    this.hooks.exited(exit);
  }

  private append(event: ConversationEvent): void {
    const { json, seq } = this.events.append(event);
    this.recorder.event(seq, json);
    this.hooks.appended();
  }

  private setActivity(activity: Activity): void {
    if (this.activity === activity) return;
    this.activity = activity;
    this.refresh();
  }

  /** The list fields changed: waiting = a permission request waits, or the agent waits for a prompt. */
  private refresh(): void {
    this.hooks.setWaiting(!this.ended && (this.permissions.count > 0 || this.activity === 'ready'));
    this.hooks.changed();
  }

  private withinStartTimeout<T>(request: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StartProblem(
              `The agent did not answer within ${Math.round(this.limits.acpStartTimeoutMs / 1000)} s. Is \`${this.spec.command.join(' ')}\` an agent that speaks ACP?`,
            ),
          ),
        this.limits.acpStartTimeoutMs,
      );
    });
    return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
  }
}

/** A reason the agent could not start, already a sentence for people. */
class StartProblem extends Error {}

function startSentence(err: unknown, command: string[]): string {
  if (err instanceof StartProblem) return err.message;
  if (err instanceof RequestError && err.code === AUTH_REQUIRED) {
    return `The agent needs you to log in first: run \`${command[0]}\` once in a terminal on your computer, log in, then start this session again.`;
  }
  const detail = err instanceof Error ? err.message : String(err);
  return clip(
    `The agent did not start a conversation (${detail}). Is \`${command.join(' ')}\` an agent that speaks ACP?`,
    4000,
  );
}

function now(): string {
  return new Date().toISOString();
}

/** Resolves after the messages already read from the agent were handled (the SDK handles them in microtasks). */
function afterQueuedMessages(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
