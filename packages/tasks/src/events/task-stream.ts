import { isTerminalStatus, type TaskEvent, TaskId } from '@kaygraph/contracts';
import { type Caller, mayAccess } from '../caller.ts';
import { notFound } from '../visibility.ts';
import { AsyncQueue } from './async-queue.ts';
import type { EventBus } from './event-bus.ts';
import { isTerminalEvent } from './task-event.ts';
import type { TaskHistory, TaskHistoryReader } from './task-history.ts';

const RESYNC = Symbol('resync');

/**
 * Replays a task's events after `afterSeq`, then continues live, with no gap and no duplicate: it
 * subscribes to the live bus FIRST, then reads the table, then drains live events, skipping seqs it has
 * already yielded and reading the table again whenever a seq is skipped (a lost or too-large notification)
 * or the LISTEN connection was re-established. Ends after the task's terminal status event (not an
 * earlier attempt's, before a retry or redrive), or when `signal` aborts. Table reads go through the
 * process's `TaskHistoryReader`, so subscribers of one task share them.
 *
 * @example for await (const event of streamTaskEvents(reader, bus, caller, id, { afterSeq: 0 })) console.log(event);
 */
export async function* streamTaskEvents(
  reader: TaskHistoryReader,
  bus: EventBus,
  caller: Caller,
  taskId: string,
  options: { afterSeq?: number; signal?: AbortSignal } = {},
): AsyncGenerator<TaskEvent, void, undefined> {
  if (!TaskId.safeParse(taskId).success) throw notFound(taskId);
  const live = new AsyncQueue<TaskEvent | typeof RESYNC>();
  const unsubscribe = bus.subscribeTask(taskId, {
    onEvent: (event) => live.push(event),
    onResync: () => live.push(RESYNC),
  });
  const signal = options.signal;
  try {
    // Listening before the history is read: an event committed after the read arrives live.
    await bus.listening();
    const afterSeq = options.afterSeq ?? 0;
    const first = await reader.read(taskId, afterSeq);
    if (!first || !mayAccess(caller, first.owner)) throw notFound(taskId);
    // A resume point past the last stored event (a stale or invented id) resumes from the last stored one:
    // otherwise every later live event, the terminal one too, would look already seen.
    let last = Math.min(afterSeq, first.lastSeq);
    /** A read of the table whose events after `last` come next (first the one asked for above). */
    let replay: TaskHistory | null | undefined = first;
    for (;;) {
      if (replay !== undefined) {
        // Yielded from here, not from a nested generator: a `yield*` into one would cost every replayed
        // event of every subscriber another round of promises.
        const stored = unseen(replay, last);
        for (const event of stored.events) yield event;
        last = stored.last;
        if (stored.ended) return;
        replay = undefined;
      }
      if (signal?.aborted) return;
      const item = await live.next(signal);
      if (item === undefined) return;
      if (item === RESYNC || item.seq > last + 1) {
        replay = await reader.read(taskId, last);
        continue;
      }
      if (item.seq <= last) continue;
      last = item.seq;
      yield item;
      // Ended, unless a retry or redrive already followed it: the store says which.
      if (isTerminalEvent(item)) replay = await reader.read(taskId, last);
    }
  } finally {
    unsubscribe();
  }
}

/**
 * The stored events after seq `after` (up to the task's end), the seq of the last of them (`after` if none),
 * and whether the task has ended with them (its events all seen).
 */
function unseen(
  history: TaskHistory | null,
  after: number,
): { events: TaskEvent[]; last: number; ended: boolean } {
  // Gone (the result TTL removed it): nothing more will come.
  if (!history) return { events: [], last: after, ended: true };
  const events: TaskEvent[] = [];
  let last = after;
  for (const event of history.events) {
    if (event.seq <= last) continue;
    last = event.seq;
    events.push(event);
    // An earlier attempt's end (the task was retried or redriven since) is not the task's.
    if (isTerminalEvent(event) && event.seq >= history.lastSeq) return { events, last, ended: true };
  }
  // The terminal event may lie before afterSeq, or have been removed with the result (RESULT_TTL).
  return { events, last, ended: isTerminalStatus(history.status) && history.lastSeq <= last };
}

/** Live events of every task the caller may see (admins: all); no replay. */
export async function* streamFeed(
  bus: EventBus,
  caller: Caller,
  options: { signal?: AbortSignal; workflow?: string; types?: readonly TaskEvent['type'][] } = {},
): AsyncGenerator<TaskEvent, void, undefined> {
  const live = new AsyncQueue<TaskEvent>();
  const unsubscribe = bus.subscribeFeed(({ event, owner, workflow }) => {
    if (!mayAccess(caller, owner)) return;
    if (options.workflow && workflow !== options.workflow) return;
    if (options.types && !options.types.includes(event.type)) return;
    live.push(event);
  });
  try {
    await bus.listening();
    while (!options.signal?.aborted) {
      const event = await live.next(options.signal);
      if (event === undefined) return;
      yield event;
    }
  } finally {
    unsubscribe();
  }
}
