import { type GroupEvent, type GroupSummary, isTerminalGroupStatus } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { TaskContext } from '../context.ts';
import { AsyncQueue } from '../events/async-queue.ts';
import type { EventBus, LiveEvent } from '../events/event-bus.ts';
import { toTaskEvent } from '../events/task-event.ts';
import { readEventsAfter } from '../store/events.ts';
import { groupOfTask, groupTaskSeqs } from '../store/groups.ts';
import { loadGroupSummary } from './group-summary.ts';

/** At most this often a fresh summary follows events other than status changes (those send one at once). */
const SUMMARY_INTERVAL_MS = 250;

type Signal = { kind: 'event'; live: LiveEvent } | { kind: 'refresh' };

/**
 * A group's live view: the summary first, then every event of its tasks (TaskEvent, logs included), each status
 * change followed by a fresh summary; any other event (progress, logs, wait events) changes no status, and the
 * summaries that follow them are coalesced to one per 250 ms (`summaryIntervalMs`). Ends after the summary
 * that shows the group finished (completed, failed, partially_failed, cancelled), or when `signal` aborts;
 * the task events that led there and had not arrived live yet are read from the store before it.
 * Subscribes before it reads, so nothing between the first summary and the live events is lost; tasks that
 * join the group later are recognised by a lookup on their first event.
 */
export async function* streamGroupEvents(
  ctx: TaskContext,
  bus: EventBus,
  caller: Caller,
  groupId: string,
  opts: { signal?: AbortSignal; summaryIntervalMs?: number },
): AsyncGenerator<GroupEvent> {
  const summaryIntervalMs = opts.summaryIntervalMs ?? SUMMARY_INTERVAL_MS;
  const queue = new AsyncQueue<Signal>();
  const unsubscribe = [
    bus.subscribeFeed((live) => queue.push({ kind: 'event', live })),
    bus.onReconnect(() => queue.push({ kind: 'refresh' })),
  ];
  let timer: NodeJS.Timeout | undefined;
  try {
    await bus.listening();
    const first = await loadGroupSummary(ctx.db, caller, groupId);
    const owner = first.row.owner;
    /** Each member's seq up to which its events were seen (at the start, or yielded since). */
    const members = await groupTaskSeqs(ctx.db, groupId);
    let last: GroupSummary = first.summary;
    yield { type: 'group', group: last };
    if (isTerminalGroupStatus(last.status)) return;

    // A task joins a group only when it is created, so only a task's first event (seq 1) can name a new
    // member; events of other unknown tasks are not the group's (no lookup, nothing to remember).
    const isMember = async (taskId: string, seq: number): Promise<boolean> => {
      if (members.has(taskId)) return true;
      if (seq !== 1) return false;
      if ((await groupOfTask(ctx.db, taskId)) === groupId) members.set(taskId, 0);
      return members.has(taskId);
    };
    const summaryChanged = async (): Promise<GroupSummary | undefined> => {
      const { summary } = await loadGroupSummary(ctx.db, caller, groupId);
      if (JSON.stringify(summary) === JSON.stringify(last)) return undefined;
      last = summary;
      return summary;
    };

    for (;;) {
      const next = await queue.next(opts.signal);
      if (!next) return;
      if (next.kind === 'event') {
        const { event } = next.live;
        if (next.live.owner !== owner || !(await isMember(event.task_id, event.seq))) continue;
        members.set(event.task_id, Math.max(members.get(event.task_id) ?? 0, event.seq));
        yield { type: 'task', group_id: groupId, event };
        // Only a status event changes the counts at once; progress moves the mean, coalesced.
        if (event.type !== 'status') {
          timer ??= setTimeout(() => {
            timer = undefined;
            queue.push({ kind: 'refresh' });
          }, summaryIntervalMs);
          continue;
        }
      }
      const changed = await summaryChanged();
      if (changed && isTerminalGroupStatus(changed.status)) {
        // The summary may be ahead of the live events: its tasks' last events come first.
        for (const stored of await readEventsAfter(ctx.db, members)) {
          yield { type: 'task', group_id: groupId, event: toTaskEvent(stored) };
        }
      }
      if (changed) yield { type: 'group', group: changed };
      if (isTerminalGroupStatus(last.status)) return;
    }
  } finally {
    clearTimeout(timer);
    for (const off of unsubscribe) off();
  }
}
