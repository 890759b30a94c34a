import { isTerminalStatus, type TaskEvent, type TaskStatus } from '@kaygraph/contracts';
import { taskEvents, tasks } from '@kaygraph/db';
import { and, asc, eq, gt } from 'drizzle-orm';
import type { Caller } from '../catalog.ts';
import type { Executor } from '../db.ts';
import { loadVisibleTask } from '../service/visibility.ts';
import { AsyncQueue } from './async-queue.ts';
import type { EventBus } from './event-bus.ts';
import { isTerminalEvent, toTaskEvent } from './task-event.ts';

const RESYNC = Symbol('resync');

/** Stored events of a task after `afterSeq`, in order. */
export async function readEvents(executor: Executor, taskId: string, afterSeq: number): Promise<TaskEvent[]> {
  const rows = await executor
    .select()
    .from(taskEvents)
    .where(and(eq(taskEvents.taskId, taskId), gt(taskEvents.seq, afterSeq)))
    .orderBy(asc(taskEvents.seq));
  return rows.map((row) =>
    toTaskEvent({
      task_id: row.taskId,
      seq: row.seq,
      type: row.type,
      payload: row.payload as Record<string, unknown>,
      at: row.at,
    }),
  );
}

/**
 * Replays a task's events after `afterSeq`, then continues live, with no gap and no duplicate: it
 * subscribes to the live bus FIRST, then reads the table, then drains live events, skipping seqs it has
 * already yielded and reading the table again whenever a seq is skipped (a lost or too-large notification)
 * or the LISTEN connection was re-established. Ends after the terminal status event, or when `signal`
 * aborts.
 *
 * @example for await (const event of streamTaskEvents(db, bus, caller, id, { afterSeq: 0 })) console.log(event);
 */
export async function* streamTaskEvents(
  executor: Executor,
  bus: EventBus,
  caller: Caller,
  taskId: string,
  options: { afterSeq?: number; signal?: AbortSignal } = {},
): AsyncGenerator<TaskEvent, void, undefined> {
  const task = await loadVisibleTask(executor, caller, taskId);
  const live = new AsyncQueue<TaskEvent | typeof RESYNC>();
  const unsubscribe = bus.subscribeTask(taskId, {
    onEvent: (event) => live.push(event),
    onResync: () => live.push(RESYNC),
  });
  const signal = options.signal;
  // A resume point past the last stored event (a stale or invented id) resumes from the last stored one:
  // otherwise every later live event, the terminal one too, would look already seen.
  let last = Math.min(options.afterSeq ?? 0, task.lastSeq);
  try {
    const catchUp = async function* (): AsyncGenerator<TaskEvent, boolean, undefined> {
      for (const event of await readEvents(executor, taskId, last)) {
        last = event.seq;
        yield event;
        if (isTerminalEvent(event)) return true;
      }
      return false;
    };
    if (yield* catchUp()) return;
    // The terminal event may lie before afterSeq, or have been removed with the result (RESULT_TTL).
    if (await finishedBefore(executor, taskId, last)) return;
    while (!signal?.aborted) {
      const item = await live.next(signal);
      if (item === undefined) return;
      if (item === RESYNC || item.seq > last + 1) {
        if (yield* catchUp()) return;
        continue;
      }
      if (item.seq <= last) continue;
      last = item.seq;
      yield item;
      if (isTerminalEvent(item)) return;
    }
  } finally {
    unsubscribe();
  }
}

async function finishedBefore(executor: Executor, taskId: string, seenSeq: number): Promise<boolean> {
  const [row] = await executor
    .select({ status: tasks.status, lastSeq: tasks.lastSeq })
    .from(tasks)
    .where(eq(tasks.id, taskId))
    .limit(1);
  if (!row) return true;
  return isTerminalStatus(row.status as TaskStatus) && row.lastSeq <= seenSeq;
}

/** Live events of every task the caller may see (admins: all); no replay. */
export async function* streamFeed(
  bus: EventBus,
  caller: Caller,
  options: { signal?: AbortSignal; workflow?: string; types?: readonly TaskEvent['type'][] } = {},
): AsyncGenerator<TaskEvent, void, undefined> {
  const live = new AsyncQueue<TaskEvent>();
  const unsubscribe = bus.subscribeFeed(({ event, owner, workflow }) => {
    if (!caller.admin && owner !== caller.owner) return;
    if (options.workflow && workflow !== options.workflow) return;
    if (options.types && !options.types.includes(event.type)) return;
    live.push(event);
  });
  try {
    while (!options.signal?.aborted) {
      const event = await live.next(options.signal);
      if (event === undefined) return;
      yield event;
    }
  } finally {
    unsubscribe();
  }
}
