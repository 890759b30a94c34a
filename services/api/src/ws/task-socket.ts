import type {
  TaskEvent,
  TaskSocketError,
  TaskSocketServerMessage,
  TaskSocketUpdate,
  TaskState,
  TaskStreamDone,
} from '@kaygraph/contracts';
import {
  DomainError,
  foldTaskEvent,
  INITIAL_TASK_STATE,
  issuesInLine,
  issuesOf,
  TASK_SOCKET_CLOSE,
  TaskId,
  TaskSocketClientMessage,
} from '@kaygraph/contracts';
import type { Caller, TaskService } from '@kaygraph/tasks';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { OpenConnection } from '../context.ts';
import { describeError } from '../errors.ts';
import { parsePathParam } from '../http/path-param.ts';
import type { StreamRegistry } from '../streams/registry.ts';
import type { TaskOutcomes } from '../streams/task-outcome.ts';
import { withoutStack } from '../streams/without-stacks.ts';

/** The close code of a socket whose API key was revoked (4000 + 401, as other refusals). */
export const REVOKED_CLOSE_CODE = TASK_SOCKET_CLOSE.errorBase + 401;

export interface TaskSocketOptions {
  tasks: TaskService;
  /** The final message of a finished task's stream. */
  outcomes: TaskOutcomes;
  /** Resolves who calls; `connection` is closed when the caller's key is revoked. */
  caller: (connection?: OpenConnection) => Promise<Caller>;
  registry: StreamRegistry;
  logger: Logger;
  /** Opened with a stream token: it watches only, and a cancel is refused (403). */
  readOnly?: boolean;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function send(socket: WebSocket, message: TaskSocketServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/** A text frame serialized once and sent as is to every socket that carries it. */
function sendFrame(socket: WebSocket, frame: Buffer): void {
  if (socket.readyState === socket.OPEN) socket.send(frame, { binary: false });
}

/**
 * Serialized updates by event and by the state they carry. Sockets of one task receive the same event
 * objects (one per notification) and, having seen the same history, the same state: a thousand sockets
 * share one JSON text and one buffer per event instead of building their own.
 */
const updateFrames = new WeakMap<TaskEvent, Map<string, Buffer>>();

function part(value: string | number | null): string {
  return value === null ? '\u0001' : String(value);
}

function updateFrame(state: TaskState, event: TaskEvent): Buffer {
  const { status, attempt, progress, step, message, eta_seconds } = state;
  const key = [status, attempt, progress, step, message, eta_seconds].map(part).join('\u0000');
  let frames = updateFrames.get(event);
  if (!frames) {
    frames = new Map();
    updateFrames.set(event, frames);
  }
  let frame = frames.get(key);
  if (!frame) {
    const update: TaskSocketUpdate = {
      task_id: event.task_id,
      status,
      progress,
      step,
      message,
      eta_seconds,
      attempt,
      seq: event.seq,
      at: event.at,
    };
    frame = Buffer.from(JSON.stringify(update));
    frames.set(key, frame);
  }
  return frame;
}

/** An event sent as it is, serialized once for every socket that carries it. */
const eventFrames = new WeakMap<TaskEvent, Buffer>();

function eventFrame(event: TaskEvent): Buffer {
  let frame = eventFrames.get(event);
  if (!frame) {
    frame = Buffer.from(JSON.stringify(withoutStack(event)));
    eventFrames.set(event, frame);
  }
  return frame;
}

/** The final message, serialized once per outcome (streams of one task that end together share it). */
const doneFrames = new WeakMap<TaskStreamDone, Buffer>();

function doneFrame(outcome: TaskStreamDone): Buffer {
  let frame = doneFrames.get(outcome);
  if (!frame) {
    frame = Buffer.from(JSON.stringify(outcome));
    doneFrames.set(outcome, frame);
  }
  return frame;
}

/** Answers a refused socket: a TaskSocketError, then close 4000 + the HTTP status. */
export function refuseTaskSocket(socket: WebSocket, taskId: string, error: unknown): void {
  const described = describeError(error);
  const message: TaskSocketError = { task_id: taskId, error: described.body };
  send(socket, message);
  socket.close(TASK_SOCKET_CLOSE.errorBase + described.httpStatus, described.body.code);
}

/**
 * `WS /ws/{task_id}`: one JSON message per event (history first, or after `last_event_id`): the state after
 * a status or progress change, any other event as it is; then `{done: true, ...}` and close.
 * `{"type": "cancel"}` cancels the task.
 */
export async function serveTaskSocket(
  socket: WebSocket,
  rawTaskId: string,
  afterSeq: number | undefined,
  opts: TaskSocketOptions,
): Promise<void> {
  const abort = new AbortController();
  socket.on('close', () => abort.abort());
  // A client's protocol error (a frame over maxPayload, a reset mid-write) is emitted as 'error' on the
  // socket; without a listener it is an uncaught exception that ends the api process.
  socket.on('error', (error) => {
    opts.logger.debug({ err: error, task_id: rawTaskId }, 'task socket error');
    abort.abort();
  });
  const unregister = opts.registry.add(() => {
    abort.abort();
    socket.close(TASK_SOCKET_CLOSE.restarting, 'server restarting');
  });
  // Attached at once: `ws` drops messages that arrive before a listener exists.
  const target = Promise.withResolvers<{ caller: Caller; taskId: string }>();
  target.promise.catch(() => undefined);
  socket.on('message', (data) => {
    handleCommand(String(data)).catch(() => undefined);
  });
  const handleCommand = async (text: string) => {
    // JSON.parse never gives undefined: parseJson's undefined is a message that is not JSON.
    const json = parseJson(text);
    const command = TaskSocketClientMessage.safeParse(json);
    const { caller, taskId } = await target.promise;
    // A socket being closed (revoked key, shutdown) takes no more commands.
    if (abort.signal.aborted) return;
    if (json === undefined) {
      const refused = new DomainError('BAD_REQUEST', 'expected {"type": "cancel"}: the message is not JSON');
      send(socket, { task_id: taskId, error: describeError(refused).body });
      return;
    }
    if (!command.success) {
      const refused = DomainError.invalidInput(
        `expected {"type": "cancel"}: ${issuesInLine(issuesOf(command.error))}`,
        command.error,
      );
      send(socket, { task_id: taskId, error: describeError(refused).body });
      return;
    }
    if (opts.readOnly) {
      const refused = new DomainError(
        'FORBIDDEN',
        'a stream token only watches the task: cancel with an API key (DELETE /tasks/{task_id})',
      );
      send(socket, { task_id: taskId, error: describeError(refused).body });
      return;
    }
    await opts.tasks.cancel(caller, taskId).catch((error: unknown) => {
      const described = describeError(error);
      if (described.httpStatus >= 500)
        opts.logger.error({ err: error, task_id: taskId }, 'cancel over the task socket failed');
      send(socket, { task_id: taskId, error: described.body });
    });
  };
  try {
    let taskId: string;
    try {
      taskId = parsePathParam('task_id', TaskId, rawTaskId);
    } catch (error) {
      refuseTaskSocket(socket, rawTaskId, error);
      return;
    }
    const caller = await opts.caller({
      close: (reason) => {
        abort.abort();
        refuseTaskSocket(socket, taskId, new DomainError('UNAUTHORIZED', reason));
      },
      // A client may leave while its key is being checked: then the listener runs at once.
      onClosed: (listener) =>
        socket.readyState === socket.CLOSED ? listener() : socket.once('close', listener),
    });
    // Every frame carries the task's state as of its event: a resumed socket starts from the state at its
    // resume point (clamped to the task's last event, as events() would), read before the events after it.
    let state: TaskState = INITIAL_TASK_STATE;
    let resumeAfter = 0;
    if (afterSeq !== undefined) {
      const resume = await opts.tasks.resumeState(caller, taskId, afterSeq);
      resumeAfter = resume.afterSeq;
      for (const event of resume.events) state = foldTaskEvent(state, event);
    }
    target.resolve({ caller, taskId });

    for await (const event of opts.tasks.events(caller, taskId, {
      afterSeq: resumeAfter,
      signal: abort.signal,
    })) {
      if (event.type === 'status' || event.type === 'progress') {
        state = foldTaskEvent(state, event);
        sendFrame(socket, updateFrame(state, event));
      } else {
        // A log or wait event goes out as it is (TaskSocketEvent): it leaves the state as it was.
        sendFrame(socket, eventFrame(event));
      }
    }
    if (abort.signal.aborted) return;
    const outcome = await opts.outcomes.load(caller, taskId);
    if (outcome) sendFrame(socket, doneFrame(outcome));
    socket.close(TASK_SOCKET_CLOSE.done, 'done');
  } catch (error) {
    target.reject(error);
    if (abort.signal.aborted) return;
    if (describeError(error).httpStatus >= 500)
      opts.logger.warn({ err: error, task_id: rawTaskId }, 'task socket failed');
    refuseTaskSocket(socket, rawTaskId, error);
  } finally {
    unregister();
  }
}
