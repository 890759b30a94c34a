import type { TaskSummary } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { readTaskIdInput } from '../lib/task-id.ts';
import { taskHref } from '../router.ts';

/**
 * Opens a task by its full id. The lists show 8 characters; the api needs the whole UUID, so a
 * short id gets that said plainly (with the tasks this page knows that start with it), not a 400.
 */
export function GoToTask({ known }: { known: readonly TaskSummary[] }) {
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<{ text: string; matches: TaskSummary[] } | null>(null);
  const go = () => {
    const input = readTaskIdInput(draft);
    if (input.kind === 'full') {
      setProblem(null);
      window.location.hash = taskHref(input.taskId);
    } else if (input.kind === 'partial') {
      const matches = [
        ...new Map(
          known.filter((task) => task.task_id.startsWith(input.prefix)).map((task) => [task.task_id, task]),
        ).values(),
      ].slice(0, 5);
      setProblem({
        text: `"${draft.trim()}" is only part of a task id. Opening a task needs its full id (36 characters, like 0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11): the lists show the first 8; the task's page shows all of it.`,
        matches,
      });
    } else if (input.kind === 'invalid') {
      setProblem({
        text: `"${draft.trim()}" is not a task id: a task id is a UUID such as 0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11.`,
        matches: [],
      });
    } else {
      setProblem(null);
    }
  };
  return (
    <div class="go-to-task">
      <form
        class="key-form go-to-task-form"
        onSubmit={(event) => {
          event.preventDefault();
          go();
        }}
      >
        <input
          type="text"
          placeholder="Full task id"
          aria-label="Task id"
          value={draft}
          onInput={(event) => setDraft(event.currentTarget.value)}
        />
        <button type="submit" class="button">
          Go to task
        </button>
      </form>
      {problem ? (
        <p class="inline-error" role="alert" data-testid="go-to-task-problem">
          {problem.text}
          {problem.matches.length > 0 ? (
            <span>
              {' '}
              Listed here:{' '}
              {problem.matches.map((task) => (
                <a key={task.task_id} href={taskHref(task.task_id)} class="go-to-match">
                  {task.workflow} <code>{task.task_id}</code>
                </a>
              ))}
            </span>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}
