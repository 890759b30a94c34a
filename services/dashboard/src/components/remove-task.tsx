import type { RemoveTaskOutput, TaskSummary } from '@kaygraph/contracts';
import { isTerminalStatus } from '@kaygraph/contracts';
import { useServices } from '../data/hooks.ts';
import { taskListHref } from '../router.ts';
import { ConfirmedAction } from './confirmed-action.tsx';

/**
 * "Remove" for a finished task (asked once more: it cannot be undone): the api deletes it with its child
 * tasks, and the page goes to the task list, which says so. What the api refuses (409: a dependent or
 * its group still reads it, a child task) shows beside the button.
 */
export function RemoveTask({ task }: { task: Pick<TaskSummary, 'task_id' | 'status'> }) {
  const { api, live, notice } = useServices();
  if (!isTerminalStatus(task.status)) return null;

  const remove = async () => {
    const answer = await api.optional.remove(task.task_id);
    if (answer.state === 'unavailable') return answer.reason;
    live.store.forget([task.task_id]);
    notice.set(removedText(answer.value));
    window.location.hash = taskListHref({ status: null, workflow: null, cursor: null, page: 1 });
    return undefined;
  };

  return (
    <ConfirmedAction
      testId="remove-task"
      label="Remove"
      busyLabel="Removing…"
      question="Remove this task and its history for good?"
      confirm="Yes, remove"
      run={remove}
    />
  );
}

function removedText(output: RemoveTaskOutput): string {
  const children = output.removed - 1;
  const task = `Removed task ${output.task_id.slice(0, 8)}`;
  return children > 0
    ? `${task} and its ${children} child ${children === 1 ? 'task' : 'tasks'}.`
    : `${task}.`;
}
