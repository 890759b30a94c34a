import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';
import { startWorker } from '../src/index.ts';

const caller = { owner: 'sdk-test', admin: false };
const workflows = new URL('./fixtures/fan-out-workflows.ts', import.meta.url);
const logger = pino({ level: 'silent' });
const command = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

/** Polls until `check` holds (the test's timeout keeps a broken test finite). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Submits `fan` tasks of `count` children each and returns how each ended: status and error message. */
async function fanOut(system: TaskSystem, counts: number[]) {
  await until(async () =>
    (await system.workflows.list({ workerHosts: false })).some((w) => w.name === 'fan'),
  );
  const ids = await Promise.all(
    counts.map(
      async (count) =>
        (await system.tasks.submit(caller, { workflow: 'fan', params: { count }, priority: 'normal' }))
          .task_id,
    ),
  );
  const ended = (status: string) => ['completed', 'failed', 'cancelled'].includes(status);
  await until(async () => {
    const tasks = await Promise.all(ids.map((id) => system.tasks.get(caller, id)));
    return tasks.every((task) => ended(task.status));
  });
  return Promise.all(
    ids.map(async (id) => {
      const task = await system.tasks.get(caller, id);
      return { status: task.status, error: task.error?.message ?? null };
    }),
  );
}

test('startWorker({ maxBatchSize: 2 }) runs a wait of 2 child tasks and fails one of 3, naming the setting', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  await using _worker = await startWorker({ databaseUrl: database.url, workflows, maxBatchSize: 2, logger });

  const [two, three] = await fanOut(system, [2, 3]);
  expect(two).toEqual({ status: 'completed', error: null });
  expect(three).toEqual({
    status: 'failed',
    error: expect.stringContaining(
      `node "fan" asks for 3 child tasks; at most 2 per wait (the worker's MAX_BATCH_SIZE)`,
    ),
  });
});

test('kaygraph-worker reads MAX_BATCH_SIZE: 2 child tasks in a wait run, 3 fail the task', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, [command, fileURLToPath(workflows)], {
    env: { ...rest, DATABASE_URL: database.url, MAX_BATCH_SIZE: '2', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    const [two, three] = await fanOut(system, [2, 3]);
    expect(two).toEqual({ status: 'completed', error: null });
    expect(three).toMatchObject({ status: 'failed', error: expect.stringContaining('at most 2 per wait') });
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

test('kaygraph-worker refuses a MAX_BATCH_SIZE the api and the worker service refuse, naming it', async () => {
  for (const [value, reason] of [
    ['lots', 'MAX_BATCH_SIZE: Invalid input: expected number, received NaN'],
    ['5000', "MAX_BATCH_SIZE: at most 1000: the most tasks one call's input may carry"],
  ]) {
    const child = spawn(process.execPath, [command, fileURLToPath(workflows)], {
      env: { ...process.env, DATABASE_URL: 'postgres://postgres@127.0.0.1:9/none', MAX_BATCH_SIZE: value },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
    expect(code, value).toBe(2);
    expect(stderr).toContain(reason);
  }
});
