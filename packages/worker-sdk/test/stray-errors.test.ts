import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';

const caller = { owner: 'sdk-test', admin: false };
const workflows = fileURLToPath(new URL('./fixtures/stray-error-workflows.ts', import.meta.url));
const command = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const logger = pino({ level: 'silent' });

/** Polls until `check` holds (the test's timeout keeps a broken test finite). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}

/** Runs a `stray` task to its end: its status and error message. */
async function run(system: TaskSystem, stray: string) {
  const { task_id } = await system.tasks.submit(caller, {
    workflow: 'stray',
    params: { stray },
    priority: 'normal',
  });
  await until(async () => ['completed', 'failed'].includes((await system.tasks.get(caller, task_id)).status));
  const task = await system.tasks.get(caller, task_id);
  return { status: task.status, error: task.error?.message ?? null };
}

// In a worker process of its own: the test runner's own handlers would take the stray errors here.
test("an inline run's stray error fails that run, and the worker process goes on running tasks", async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger });
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, [command, workflows], {
    env: { ...rest, DATABASE_URL: database.url, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await until(async () =>
      (await system.workflows.list({ workerHosts: false })).some((w) => w.name === 'stray'),
    );
    expect(await run(system, 'rejection')).toEqual({
      status: 'failed',
      error: 'a promise rejected with no handler: stray rejection',
    });
    expect(await run(system, 'throw')).toEqual({
      status: 'failed',
      error: 'an exception thrown outside its await chain: stray throw',
    });
    // Its run completed before the error: the task keeps its outcome, the worker logs the error.
    expect(await run(system, 'after_the_run')).toEqual({ status: 'completed', error: null });
    await until(async () => stdout.includes('stray throw after the run'));
    expect(await run(system, 'none')).toEqual({ status: 'completed', error: null });
    expect(child.exitCode).toBeNull();
  } finally {
    child.kill('SIGTERM');
  }
  expect(await exited).toBe(0);
});

test('an error of no run ends a process of two workers, as Node would, saying why', async () => {
  await using database = await createTestDatabase();
  const script = fileURLToPath(new URL('./fixtures/two-workers-process.ts', import.meta.url));
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, [script], {
    env: { ...rest, DATABASE_URL: database.url },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // Were it swallowed, the process would run on and the test's timeout would end it.
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
  expect(code).toBe(1);
  expect(stdout).toContain('an exception thrown outside its await chain outside any run: the process ends');
  expect(stdout).toContain('an error of no run');
});
