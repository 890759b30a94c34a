import { useState } from 'preact/hooks';
import { readTaskIdInput } from '../lib/task-id.ts';
import { taskHref } from '../router.ts';

/**
 * Opens a task by its id, or by its start (the 8 characters the lists show): the task's route looks that
 * up. Text that cannot be either is said so here, without a round trip.
 */
export function GoToTask() {
  const [draft, setDraft] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const go = () => {
    const input = readTaskIdInput(draft);
    setProblem(null);
    if (input.kind === 'full') window.location.hash = taskHref(input.taskId);
    else if (input.kind === 'partial') window.location.hash = taskHref(input.prefix);
    else if (input.kind === 'invalid') {
      setProblem(
        `"${draft.trim()}" is not a task id: a task id is a UUID such as 0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11, or its first characters.`,
      );
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
          placeholder="Task id, or its first 8 characters"
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
          {problem}
        </p>
      ) : null}
    </div>
  );
}
