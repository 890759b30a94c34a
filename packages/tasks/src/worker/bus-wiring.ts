import type { EventBus } from '../events/event-bus.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { TaskRuns } from './task-runs.ts';
import type { WorkerBeat } from './worker-beat.ts';

/**
 * What a worker hears on the bus: a queued task wakes the dispatcher, a pause or resume changes what it
 * fetches, a cancel aborts its run, a reconnected
 * LISTEN session beats at once and has every queue fetched again. Resolves, once wake-ups and cancels are
 * heard (before the first task is fetched), with the function that stops listening; on a failure it has
 * stopped listening already.
 */
export async function followBus(
  bus: EventBus,
  dispatcher: Dispatcher,
  runs: TaskRuns,
  beat: WorkerBeat,
): Promise<() => void> {
  const unsubscribe = [
    bus.onQueued((workflow) => dispatcher.notify(workflow)),
    bus.onPaused((notice) => dispatcher.setPaused(notice.workflow, notice.paused)),
    bus.onCancel((taskId) => runs.abort(taskId, 'cancel')),
    bus.onReconnect(() => {
      beat.beatNow();
      dispatcher.markAllDirty();
    }),
  ];
  const stopListening = () => {
    for (const off of unsubscribe) off();
  };
  try {
    await Promise.all([bus.listening('queued'), bus.listening('cancel'), bus.listening('paused')]);
  } catch (error) {
    stopListening();
    throw error;
  }
  return stopListening;
}
