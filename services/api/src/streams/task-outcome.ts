import type { TaskStreamDone, TerminalStatus } from '@kaygraph/contracts';
import { DomainError, isTerminalStatus, SSE_DONE_ID_SUFFIX, SseLastEventId } from '@kaygraph/contracts';
import { type Caller, listedOwner, type TaskService } from '@kaygraph/tasks';
import { withoutStack } from './without-stacks.ts';

/**
 * The final message of every task stream, from the stored result (null if the task is not terminal).
 * Streams of one task end together: callers that see the same task end at the same time share one read
 * (started after the terminal event, whose result no longer changes). One per api server.
 */
export class TaskOutcomes {
  readonly #tasks: TaskService;
  /** Reads in flight, by caller visibility and task. */
  readonly #inFlight = new Map<string, Promise<TaskStreamDone | null>>();

  constructor(tasks: TaskService) {
    this.#tasks = tasks;
  }

  load(caller: Caller, taskId: string): Promise<TaskStreamDone | null> {
    // Visibility depends on the caller: admins share one read, owners one each.
    const key = `${listedOwner(caller) ?? '*admin'}\u0000${taskId}`;
    let read = this.#inFlight.get(key);
    if (!read) {
      read = readTaskOutcome(this.#tasks, caller, taskId).finally(() => this.#inFlight.delete(key));
      this.#inFlight.set(key, read);
    }
    return read;
  }
}

async function readTaskOutcome(
  tasks: TaskService,
  caller: Caller,
  taskId: string,
): Promise<TaskStreamDone | null> {
  const view = await tasks.get(caller, taskId);
  if (!isTerminalStatus(view.status)) return null;
  return {
    task_id: view.task_id,
    done: true,
    final_status: view.status as TerminalStatus,
    progress: view.progress,
    message: view.message,
    result: view.result ?? null,
    error: view.error ? withoutStack({ error: view.error }).error : null,
  };
}

/** Event seqs are PostgreSQL integers: a resume point above this is past every event there can be. */
export const MAX_SEQ = 2_147_483_647;

/**
 * `Last-Event-ID` / `last_event_id`: a non-negative integer seq (clamped to MAX_SEQ, so the replay query
 * never sees an out-of-range integer), or undefined when absent or malformed.
 */
export function parseSeq(value: string | string[] | null | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === null || !/^\d+$/.test(text)) return undefined;
  return Math.min(Number(text), MAX_SEQ);
}

/**
 * An SSE resume point, from `Last-Event-ID` (an EventSource's reconnect) or else `?last_event_id=` (a page
 * opening a new EventSource, with a new stream token, where the last one left off): the seq to resume after
 * (as parseSeq reads it), and whether it is the `done` event's id (`<seq>-done`: the client saw the
 * stream's end); undefined when both are absent or empty. Any other value is a 400 naming where it came
 * from: replaying the whole stream in its place would hand the client every event again.
 */
export function parseSseResumePoint(
  header: string | string[] | undefined,
  query: string | null | undefined,
): { afterSeq: number; sawDone: boolean } | undefined {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  const [source, text] =
    fromHeader !== undefined && fromHeader !== '' ? ['Last-Event-ID', fromHeader] : ['last_event_id', query];
  if (text === undefined || text === null || text === '') return undefined;
  const sawDone = text.endsWith(SSE_DONE_ID_SUFFIX);
  const afterSeq = parseSeq(sawDone ? text.slice(0, -SSE_DONE_ID_SUFFIX.length) : text);
  if (!SseLastEventId.safeParse(text).success || afterSeq === undefined) {
    const message = `must be the id of an event this stream sent: a seq (42) or the done event's (42${SSE_DONE_ID_SUFFIX})`;
    throw new DomainError('BAD_REQUEST', `${source}: ${message}`, { issues: [{ path: source, message }] });
  }
  return { afterSeq, sawDone };
}
