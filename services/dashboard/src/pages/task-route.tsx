import { EmptyState, Panel } from '../components/states.tsx';
import { readTaskIdInput } from '../lib/task-id.ts';
import { TaskDetailPage } from './task-detail.tsx';
import { TaskPrefixPage } from './task-prefix.tsx';

/** `#/tasks/<id>`: a full id opens the task, the start of one is looked up, anything else is said to be neither. */
export function TaskRoute({ text }: { text: string }) {
  const input = readTaskIdInput(text);
  switch (input.kind) {
    case 'full':
      return <TaskDetailPage key={input.taskId} taskId={input.taskId} />;
    case 'partial':
      return <TaskPrefixPage key={input.prefix} prefix={input.prefix} />;
    default:
      return (
        <div class="page" data-testid="task-prefix">
          <Panel title="Task">
            <EmptyState title={`“${text}” is not a task id`}>
              A task id is a UUID such as 0b8f5a0e-4c2a-4a51-9d0c-6f0f2d0f9a11; its first 8 characters, as the
              lists show them, are enough.
            </EmptyState>
          </Panel>
        </div>
      );
  }
}
