/** Queues no-op tasks for the drain benchmarks: submitMany in batches of 1,000, no worker running. */
import type { TaskSystem } from '@kaygraph/tasks';

const BATCH = 1000;

export async function submitNoopTasks(
  system: TaskSystem,
  workflow: string,
  tasks: number,
  owner = 'bench',
): Promise<void> {
  for (let i = 0; i < tasks; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, tasks - i) }, () => ({
      workflow,
      params: {},
      priority: 'normal' as const,
    }));
    await system.tasks.submitMany({ owner, admin: false }, batch);
  }
}
