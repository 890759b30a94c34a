/** The drain benchmarks' no-op tasks: a task system that queues them without bound, and their submission. */
import { createTaskSystem, type QueueRef, type TaskSystem, versionRecordOf } from '@kaygraph/tasks';
import pino from 'pino';
import { catalog } from './lifecycle-workflows.ts';

const BATCH = 1000;

/** The queue of a no-op workflow's tasks (its registered version's). */
export function noopQueue(workflow: string): QueueRef {
  const definition = catalog.get(workflow);
  if (!definition) throw new Error(`no bench workflow "${workflow}"`);
  return { workflow, version: versionRecordOf(definition).version };
}

/** A task system with the no-op workflows and no queue limit, quiet below warnings. */
export async function noopTaskSystem(url: string): Promise<TaskSystem> {
  const system = await createTaskSystem({
    databaseUrl: url,
    logger: pino({ level: 'warn' }),
    maxQueueSize: 10_000_000,
    maxBatchSize: BATCH,
  });
  // Tasks are queued before any worker runs: the workflows are registered ahead of it.
  await system.publishWorkflows(catalog);
  return system;
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
