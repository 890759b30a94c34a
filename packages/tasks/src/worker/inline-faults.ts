import { AsyncLocalStorage } from 'node:async_hooks';

/** What an inline run does with an error thrown outside its await chain (a timer, a callback, a lost promise). */
type FaultHandler = (error: unknown) => void;

const inlineRuns = new AsyncLocalStorage<FaultHandler>();
let runsInFlight = 0;

/**
 * An error that escapes an inline run's await chain would end the whole worker process (every task on it
 * lost, the poison task retried on the next worker). Node still knows whose async context it came from:
 * that run fails with the error, as a run in a thread would, and the process goes on. An error of no inline
 * run is left to Node (or to the process's own listeners), so the process crashes as it would without us.
 */
function onFault(error: unknown, event: 'uncaughtException' | 'unhandledRejection'): void {
  const owner = inlineRuns.getStore();
  if (owner) {
    owner(error);
    return;
  }
  if (process.listenerCount(event) > 1) return;
  // Ours is the only listener: without it Node would end the process; let it, on the next tick.
  stopWatching();
  process.nextTick(() => {
    throw error;
  });
}

const onUncaught = (error: unknown) => onFault(error, 'uncaughtException');
const onUnhandled = (reason: unknown) => onFault(reason, 'unhandledRejection');

function startWatching(): void {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
}

function stopWatching(): void {
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUnhandled);
}

/**
 * Runs `run` (an inline run's start) so that an error escaping it later reaches `onError`; the process
 * listeners are there only while inline runs are in flight. Call the returned function when the run ends.
 */
export function runWatchingFaults<T>(onError: FaultHandler, run: () => T): { result: T; done: () => void } {
  if (runsInFlight++ === 0) startWatching();
  let ended = false;
  const done = () => {
    if (ended) return;
    ended = true;
    if (--runsInFlight === 0) stopWatching();
  };
  return { result: inlineRuns.run(onError, run), done };
}
