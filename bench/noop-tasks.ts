/** The drain benchmarks' no-op tasks: a task system that queues them without bound, and their submission. */
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { catalog } from './lifecycle-workflows.ts';

const BATCH = 1000;

/** A task system with the no-op workflows and no queue limit, quiet below warnings. */
export function noopTaskSystem(url: string): Promise<TaskSystem> {
  return createTaskSystem({
    databaseUrl: url,
    catalog,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 10_000_000,
  });
}

/** Queues `tasks` tasks of `workflow`: submitMany in batches of 1,000, no worker running. */
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
