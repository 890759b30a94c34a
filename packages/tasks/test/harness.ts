import { readFileSync } from 'node:fs';
import { isTerminalStatus, type TaskStatus } from '@kaygraph/contracts';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import type { RunMetrics } from '@kaygraph/graph';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import type { Caller } from '../src/caller.ts';
import type { WorkflowCatalog } from '../src/catalog.ts';
import { versionRecordOf } from '../src/registry/workflow-version.ts';
import type { FetchQueue } from '../src/store/jobs.ts';
import { createTaskSystem, type TaskSystem, type TaskSystemOptions } from '../src/system.ts';
import type { WorkerOptions, WorkerRuntime } from '../src/worker/runtime.ts';
import { catalog, type StepRecord, WORKFLOWS_MODULE } from './fixtures/workflows.ts';

export { WORKFLOWS_MODULE } from './fixtures/workflows.ts';

export const alice: Caller = { owner: 'alice', admin: false };
export const bob: Caller = { owner: 'bob', admin: false };
export const admin: Caller = { owner: 'root', admin: true };

/** The metrics of an outcome written by hand: no node ran. */
export const noMetrics: RunMetrics = { recent: [], omitted: 0, byNode: [] };

export interface TestSystem extends AsyncDisposable {
  system: TaskSystem;
  database: TestDatabase;
}

/** The queue of a test workflow's tasks: its version as a worker registers it. */
export function queueOf(name: string, from: WorkflowCatalog = catalog): FetchQueue {
  const workflow = from.get(name);
  if (!workflow) throw new Error(`no test workflow "${name}"`);
  return {
    workflow: workflow.name,
    version: versionRecordOf(workflow).version,
    concurrencyPerKey: workflow.defaults.concurrency_per_key,
    rateLimit: workflow.defaults.rate_limit,
  };
}

export type TestSystemOptions = Partial<TaskSystemOptions> & { catalog?: WorkflowCatalog };

/**
 * A task system on a fresh database of its own (migrated template copy); disposed in reverse. The test
 * catalog (or `catalog`) is published at once, so tasks can be submitted before a worker starts.
 */
export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  const database = await createTestDatabase();
  try {
    const { catalog: published = catalog, ...systemOptions } = options;
    const system = await createTaskSystem({
      databaseUrl: database.url,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      migrate: false,
      ...systemOptions,
    });
    await system.publishWorkflows(published).catch(async (error: unknown) => {
      await system.close();
      throw error;
    });
    return {
      system,
      database,
      async [Symbol.asyncDispose]() {
        await system.close();
        await database[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await database[Symbol.asyncDispose]();
    throw error;
  }
}

/** A test file's task system and the worker running the test workflows on it. */
export interface SystemWithWorker {
  readonly system: TaskSystem;
  readonly database: TestDatabase;
  readonly worker: WorkerRuntime;
}

/**
 * Starts a test system and a worker (running WORKFLOWS_MODULE unless told) before the file's tests, and
 * disposes them after: `const harness = useSystemWithWorker({ concurrency: 2 })`, then `harness.system`.
 */
export function useSystemWithWorker(
  workerOptions: Omit<WorkerOptions, 'workflowsModule'> & { workflowsModule?: string },
  options: TestSystemOptions = {},
): SystemWithWorker {
  let started: { harness: TestSystem; worker: WorkerRuntime } | undefined;
  beforeAll(async () => {
    const harness = await startTestSystem(options);
    try {
      const worker = await harness.system.startWorker({
        workflowsModule: WORKFLOWS_MODULE,
        ...workerOptions,
      });
      started = { harness, worker };
    } catch (error) {
      await harness[Symbol.asyncDispose]();
      throw error;
    }
  });
  afterAll(async () => {
    await started?.harness[Symbol.asyncDispose]();
  });
  const running = () => {
    if (!started) throw new Error('the test system starts in beforeAll: use it inside a test');
    return started;
  };
  return {
    get system() {
      return running().harness.system;
    },
    get database() {
      return running().harness.database;
    },
    get worker() {
      return running().worker;
    },
  };
}

/**
 * Another task system on a test system's database: another process of the cluster, or another build's
 * in a rolling deploy. The schema is the test system's, so it does not migrate.
 */
export function anotherSystem(databaseUrl: string): Promise<TaskSystem> {
  return createTaskSystem({ databaseUrl, logger: pino({ level: 'silent' }), migrate: false });
}

/** Polls until `check` returns a value (not a timing assertion: the limit only keeps a broken test finite). */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  limitMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function waitForStatus(
  system: TaskSystem,
  caller: Caller,
  taskId: string,
  statuses: readonly TaskStatus[],
): Promise<TaskStatus> {
  return waitFor(
    async () => {
      const task = await system.tasks.get(caller, taskId);
      return statuses.includes(task.status) ? task.status : undefined;
    },
    `task ${taskId} to be ${statuses.join('|')}`,
  );
}

export function waitForTerminal(system: TaskSystem, caller: Caller, taskId: string): Promise<TaskStatus> {
  return waitFor(async () => {
    const task = await system.tasks.get(caller, taskId);
    return isTerminalStatus(task.status) ? task.status : undefined;
  }, `task ${taskId} to finish`);
}

export function readRecords(file: string): StepRecord[] {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StepRecord);
}

/** The node starts in a record file (of one task, if given): which node, which attempt, which process. */
export function startsOf(file: string, taskId?: string): Pick<StepRecord, 'node' | 'attempt' | 'pid'>[] {
  return readRecords(file)
    .filter((r) => r.phase === 'start' && (!taskId || r.task_id === taskId))
    .map((r) => ({ node: r.node, attempt: r.attempt, pid: r.pid }));
}

/** The nodes of a task, in the order their records were written (a start and an end each). */
export function ranNodes(file: string, taskId: string): string[] {
  return readRecords(file)
    .filter((r) => r.task_id === taskId)
    .map((r) => r.node);
}

/** The most steps of `records` running at one time (each `start` up to its `end`). */
export function mostAtOnce(records: StepRecord[]): number {
  let running = 0;
  let most = 0;
  for (const record of records) {
    running += record.phase === 'start' ? 1 : -1;
    most = Math.max(most, running);
  }
  return most;
}
