// The events of a conversation with a structured agent (an ACP session), as the daemon stores them and
// sends them to clients: one normalized shape per thing a person sees (a prompt, a chunk of the agent's
// answer, a tool call or its update, the plan, a permission request and its answer, the end of a turn).
// Isomorphic (daemon, CLI and browser): validators for what arrives, no Node or DOM APIs.
import {
  arr,
  type Infer,
  int,
  nullable,
  obj,
  oneOf,
  opt,
  str,
  ValidationError,
  type Validator,
} from '../channel/validate.js';

/** Largest text of one event (a chunk, a tool output, one side of a diff), in characters; more is cut. */
export const MAX_EVENT_TEXT_CHARS = 200_000;
/** Largest title or option name, in characters. */
export const MAX_TITLE_CHARS = 500;
/** Largest file path, in characters. */
export const MAX_PATH_CHARS = 4096;
/** Most content parts or files of one tool call, and entries of a plan. */
export const MAX_PARTS = 64;
/** Most options of one permission request. */
export const MAX_OPTIONS = 16;

const at = str(40, 10);
const text = str(MAX_EVENT_TEXT_CHARS);
const title = str(MAX_TITLE_CHARS);
const shortId = str(200, 1);
const who = opt(str(120));

/** What a tool does (ACP's ToolKind). */
export const toolKind = oneOf(
  'read',
  'edit',
  'delete',
  'move',
  'search',
  'execute',
  'think',
  'fetch',
  'switch_mode',
  'other',
);
export type ToolKind = Infer<typeof toolKind>;

/** Where a tool call is: ACP's statuses, plus `cancelled` for one its turn was cancelled under. */
export const toolStatus = oneOf('pending', 'in_progress', 'completed', 'failed', 'cancelled');
export type ToolStatus = Infer<typeof toolStatus>;

/** What a tool call shows: text it produced, or a file change as the old and new text (null: a new file). */
export const toolContent = union('type', {
  text: obj({ type: oneOf('text'), text }),
  diff: obj({ type: oneOf('diff'), path: str(MAX_PATH_CHARS, 1), oldText: nullable(text), newText: text }),
});
export type ToolContent = Infer<typeof toolContent>;

/** One entry of the agent's plan. */
export const planEntry = obj({
  content: str(2000),
  status: oneOf('pending', 'in_progress', 'completed'),
  priority: oneOf('high', 'medium', 'low'),
});
export type PlanEntry = Infer<typeof planEntry>;

/** An answer the agent offers to a permission request. */
export const permissionOption = obj({
  id: shortId,
  name: title,
  kind: oneOf('allow_once', 'allow_always', 'reject_once', 'reject_always'),
});
export type PermissionOption = Infer<typeof permissionOption>;

/** Why a turn ended: ACP's stop reasons, plus `error` when the prompt failed or the agent stopped. */
export const stopReason = oneOf('end_turn', 'max_tokens', 'max_turn_requests', 'refusal', 'cancelled', 'error');
export type StopReason = Infer<typeof stopReason>;

/** How a permission request was settled. */
export const answerOutcome = oneOf('selected', 'timeout', 'cancelled');
export type AnswerOutcome = Infer<typeof answerOutcome>;

const contentList = arr(toolContent, MAX_PARTS);
/** Files a tool touches (absolute paths, maybe with ":line"). */
const locationList = arr(str(MAX_PATH_CHARS, 1), MAX_PARTS);
const toolFields = {
  title: opt(title),
  kind: opt(toolKind),
  status: opt(toolStatus),
  content: opt(contentList),
  locations: opt(locationList),
};
/** What a permission request and its item have in common. */
const permissionFields = {
  t: oneOf('permission'),
  at,
  id: shortId,
  toolCallId: shortId,
  title,
  options: arr(permissionOption, MAX_OPTIONS),
};

/** Every event, by its tag `t`. */
export const conversationEvent = union('t', {
  /** A prompt someone sent; `by` names the device (or "this computer"). */
  user: obj({ t: oneOf('user'), at, text, by: who }),
  /** A chunk of the agent's answer (Markdown), appended to its current message. */
  agent: obj({ t: oneOf('agent'), at, text, messageId: opt(shortId) }),
  /** A chunk of the agent's visible reasoning. */
  thought: obj({ t: oneOf('thought'), at, text }),
  /** A tool call started (all fields) or changed (the fields that changed; content and locations are replaced). */
  tool: obj({ t: oneOf('tool'), at, id: shortId, ...toolFields }),
  /** The agent's plan, complete each time (it replaces the previous one of the turn). */
  plan: obj({ t: oneOf('plan'), at, entries: arr(planEntry, MAX_PARTS) }),
  /** The agent asks before running a tool call: `id` is the daemon's id of the request. */
  permission: obj(permissionFields),
  /** A permission request was settled: an option chosen (`by` whom), timed out (rejected), or cancelled. */
  answer: obj({ t: oneOf('answer'), at, id: shortId, outcome: answerOutcome, optionId: nullable(shortId), by: who }),
  /** The agent finished its turn; `by` names who cancelled it. */
  turn: obj({ t: oneOf('turn'), at, stopReason, by: who }),
  /** Something people should know that the agent did not say (it stopped, it needs a login, …). */
  notice: obj({ t: oneOf('notice'), at, level: oneOf('info', 'error'), text: str(4000) }),
});
export type ConversationEvent = Infer<typeof conversationEvent>;
export type EventOf<T extends ConversationEvent['t']> = Extract<ConversationEvent, { t: T }>;

/** A tool call as shown: every field known (defaults filled in). */
export const toolItem = obj({
  t: oneOf('tool'),
  at,
  id: shortId,
  title,
  kind: toolKind,
  status: toolStatus,
  content: contentList,
  locations: locationList,
});
export type ToolItem = Infer<typeof toolItem>;

/** A permission request as shown, with how (and whether) it was settled. */
export const permissionItem = obj({
  ...permissionFields,
  state: oneOf('pending', 'selected', 'timeout', 'cancelled'),
  optionId: nullable(shortId),
  by: nullable(str(120)),
});
export type PermissionItem = Infer<typeof permissionItem>;

/** One thing in the conversation as shown: events merged (chunks joined, tool updates applied). */
export const conversationItem = union('t', {
  user: conversationEvent.variants.user,
  agent: conversationEvent.variants.agent,
  thought: conversationEvent.variants.thought,
  tool: toolItem,
  plan: conversationEvent.variants.plan,
  permission: permissionItem,
  turn: conversationEvent.variants.turn,
  notice: conversationEvent.variants.notice,
});
export type ConversationItem = Infer<typeof conversationItem>;

/** Most items a conversation keeps (older ones are dropped and counted in `omitted`). */
export const MAX_ITEMS = 5000;

/** A whole conversation as shown: the snapshot a client starts from. */
export const conversationSnapshot = obj({
  items: arr(conversationItem, MAX_ITEMS),
  /** Items left out at the start (too old or too large to send; `paseo logs` has them all). */
  omitted: int(0, Number.MAX_SAFE_INTEGER),
});
export type ConversationSnapshot = Infer<typeof conversationSnapshot>;

/** Parses the body of `session.events`: a JSON array of events. Throws ValidationError. */
export function parseEventsBody(body: Uint8Array): ConversationEvent[] {
  return arr(conversationEvent, 100_000)(parseJson(body), 'events');
}

/** Parses the body of `session.conversation`: a JSON snapshot. Throws ValidationError. */
export function parseSnapshotBody(body: Uint8Array): ConversationSnapshot {
  return conversationSnapshot(parseJson(body), 'conversation');
}

/** The agent's first option of a kind (allow_once or allow_always; reject_once or reject_always). */
export function firstOption<O extends { kind: string }>(
  options: readonly O[],
  answer: 'allow' | 'reject',
): O | undefined {
  return options.find((o) => o.kind.startsWith(`${answer}_`));
}

/** A string cut to `max` characters (with an ellipsis when cut). */
export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, Math.max(0, max - 1))}…`;
}

/** A validator for objects tagged by `tag`: the variant for each tag value (kept for reuse). */
function union<K extends string, V extends Record<string, Validator<object>>>(
  tag: K,
  variants: V,
): Validator<Infer<V[keyof V]>> & { variants: V } {
  const check = (value: unknown, path: string): Infer<V[keyof V]> => {
    const kind = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[tag] : undefined;
    if (typeof kind !== 'string' || !Object.hasOwn(variants, kind)) {
      throw new ValidationError(`${path}.${tag}`, `one of ${Object.keys(variants).join(', ')}`);
    }
    return (variants[kind] as Validator<object>)(value, path) as Infer<V[keyof V]>;
  };
  return Object.assign(check, { variants });
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body)) as unknown;
  } catch {
    throw new ValidationError('body', 'JSON');
  }
}
