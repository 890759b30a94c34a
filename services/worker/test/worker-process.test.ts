import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import { catalog } from '@kaygraph/workflows';
import pino from 'pino';
import { expect, test } from 'vitest';

const workerDir = fileURLToPath(new URL('..', import.meta.url));
const caller = { owner: 'worker-test', admin: false };

function startWorkerProcess(env: Record<string, string>): {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr: () => string;
} {
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: workerDir,
    env: { ...rest, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exit, stderr: () => stderr };
}

test('the worker process runs tasks submitted elsewhere and exits 0 on SIGTERM', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({
    databaseUrl: database.url,
    catalog,
    logger: pino({ level: 'warn' }),
  });
  const worker = startWorkerProcess({
    DATABASE_URL: database.url,
    MAX_WORKERS: '2',
    SHUTDOWN_GRACE_SECONDS: '5',
  });
  try {
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

test('without DATABASE_URL the worker refuses to start and says why', async () => {
  const worker = startWorkerProcess({});
  expect(await worker.exit).not.toBe(0);
  expect(worker.stderr()).toMatch(/DATABASE_URL must be set/);
});
