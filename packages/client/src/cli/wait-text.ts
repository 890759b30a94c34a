import type { TaskWait, WaitEvent } from '@kaygraph/contracts';

/** What a waiting task waits for, in one line (`kaygraph status`, `kaygraph watch`). */
export function describeWait(wait: TaskWait): string {
  switch (wait.kind) {
    case 'signal':
      return `signal "${wait.signal}"${wait.deadline ? ` until ${wait.deadline}` : ' (no deadline)'}`;
    case 'sleep':
      return `sleep until ${wait.until}`;
    case 'children':
      return `${wait.finished} of ${wait.child_task_ids.length} child tasks finished`;
  }
}

/** One line per wait event of a watched task. */
export function describeWaitEvent(event: WaitEvent): string {
  switch (event.type) {
    case 'waiting':
      return `waiting for ${describeWait(event.wait)}`;
    case 'signal_received':
      return event.taken === 'resumed'
        ? `signal "${event.name}" received: resuming`
        : `signal "${event.name}" received: kept until the task waits for it`;
    case 'child_finished':
      return `child ${event.index + 1} of ${event.total} ${event.status} (${event.finished} of ${event.total} finished)`;
  }
}
