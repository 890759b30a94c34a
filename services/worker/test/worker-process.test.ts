import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';

const workerDir = fileURLToPath(new URL('..', import.meta.url));
const caller = { owner: 'worker-test', admin: false };

function startWorkerProcess(env: Record<string, string>): {
  child: ChildProcess;
  exit: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
} {
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: workerDir,
    env: { ...rest, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, stdout: () => stdout, stderr: () => stderr };
}

/** The `msg` of each complete JSON log line in `output`. */
function logMessages(output: string): string[] {
  return output
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

/** Polls the registry until a live worker serves `workflow` (the limit only keeps a broken test finite). */
async function servedByAWorker(system: TaskSystem, workflow: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const listed = (await system.workflows.list({ workerHosts: true })).find(
      (info) => info.name === workflow,
    );
    if (listed?.versions.some((version) => version.current && version.workers.length > 0)) return;
    if (Date.now() > deadline) throw new Error(`no worker registered ${workflow}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('the worker process registers the built-ins, runs tasks submitted elsewhere and exits 0 on SIGTERM', async () => {
  await using database = await createTestDatabase();
  // A task system without workflow code, as the api runs: it knows workflows by what workers register.
  await using system = await createTaskSystem({
    databaseUrl: database.url,
    logger: pino({ level: 'warn' }),
  });
  await expect(
    system.tasks.submit(caller, { workflow: 'demo', params: {}, priority: 'normal' }),
  ).rejects.toMatchObject({
    code: 'BAD_REQUEST',
    message: expect.stringContaining('no worker has registered'),
  });
  const worker = startWorkerProcess({
    DATABASE_URL: database.url,
    MAX_WORKERS: '2',
    SHUTDOWN_GRACE_SECONDS: '5',
  });
  try {
    await servedByAWorker(system, 'demo');
    const { task_id } = await system.tasks.submit(caller, {
      workflow: 'demo',
      params: { steps: 2, step_ms: 10 },
      priority: 'normal',
    });
    const statuses: string[] = [];
    for await (const event of system.tasks.events(caller, task_id, {})) {
      if (event.type === 'status') statuses.push(event.status);
    }
    expect(statuses).toContain('running');
    expect(await system.tasks.result(caller, task_id)).toMatchObject({ status: 'completed', error: null });
  } finally {
    worker.child.kill('SIGTERM');
  }
  expect(await worker.exit).toBe(0);
});

test('a worker with MAX_BATCH_SIZE=2 runs a task of 2 child tasks and fails one asking for 3, naming the setting', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger: pino({ level: 'warn' }) });
  const worker = startWorkerProcess({
    DATABASE_URL: database.url,
    MAX_BATCH_SIZE: '2',
    SHUTDOWN_GRACE_SECONDS: '5',
  });
  // data_processing with `partitions` runs each partition as a child task, all in one wait.
  const partitioned = async (partitions: number) => {
    const params = { input: { generate: { rows: 300, seed: 1 } }, chunk_size: 100, partitions };
    const { task_id } = await system.tasks.submit(caller, {
      workflow: 'data_processing',
      params,
      priority: 'normal',
    });
    for await (const _event of system.tasks.events(caller, task_id, {})) {
      // The stream ends when the task has finished.
    }
    const task = await system.tasks.get(caller, task_id);
    return { status: task.status, error: task.error?.message ?? null };
  };
  try {
    await servedByAWorker(system, 'data_processing');
    expect(await partitioned(2)).toEqual({ status: 'completed', error: null });
    expect(await partitioned(3)).toEqual({
      status: 'failed',
      error: `node "partitions" asks for 3 child tasks; at most 2 per wait (the worker's MAX_BATCH_SIZE): run them over several waits`,
    });
  } finally {
    worker.child.kill('SIGTERM');
  }
  expect(await worker.exit).toBe(0);
});

test('a SIGTERM sent the moment the worker logs `worker started` stops it gracefully and exits 0', async () => {
  await using database = await createTestDatabase();
  const worker = startWorkerProcess({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_SECONDS: '5',
  });
  worker.child.stdout?.on('data', () => {
    if (!worker.child.killed && logMessages(worker.stdout()).includes('worker started')) {
      worker.child.kill('SIGTERM');
    }
  });
  const code = await worker.exit;
  // What a SIGTERM after the start prints: the sequence began, the worker stopped, the process stopped.
  const lifecycle = ['worker started', 'shutting down', 'worker stopped', 'stopped'];
  expect(logMessages(worker.stdout()).filter((message) => lifecycle.includes(message))).toEqual([
    'worker started',
    'shutting down',
    'worker stopped',
    'stopped',
  ]);
  expect(code).toBe(0);
});

/** A stack frame line, as Node prints an uncaught error. */
const STACK_FRAME = /^\s+at /m;

test('without DATABASE_URL the worker refuses to start and says why, without a stack', async () => {
  const worker = startWorkerProcess({});
  expect(await worker.exit).toBe(1);
  expect(worker.stderr()).toMatch(
    /^the worker did not start: invalid environment:\n {2}DATABASE_URL: DATABASE_URL must be set/,
  );
  expect(worker.stderr()).not.toMatch(STACK_FRAME);
});

test('a database out of reach stops the worker with where it looked, without a stack', async () => {
  const worker = startWorkerProcess({ DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:9/kaygraph' });
  expect(await worker.exit).toBe(1);
  expect(worker.stderr()).toMatch(
    /^the worker did not start: cannot reach the database at 127\.0\.0\.1:9\/kaygraph \(ECONNREFUSED\)/,
  );
  expect(worker.stderr()).not.toMatch(STACK_FRAME);
  expect(worker.stderr()).not.toContain('secret');
});

test('a database URL naming a database that does not exist stops the worker saying so, without a stack', async () => {
  await using database = await createTestDatabase();
  const missing = new URL(database.url);
  missing.pathname = `/kg_missing_${process.pid}`;
  const worker = startWorkerProcess({ DATABASE_URL: missing.href });
  expect(await worker.exit).toBe(1);
  expect(worker.stderr()).toMatch(
    new RegExp(
      `^the worker did not start: PostgreSQL at ${missing.host}/kg_missing_${process.pid} refused the connection: ` +
        `database "kg_missing_${process.pid}" does not exist \\(3D000\\); create that database`,
    ),
  );
  expect(worker.stderr()).not.toMatch(STACK_FRAME);
});
