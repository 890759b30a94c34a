import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import { expect, test } from 'vitest';

const workerDir = fileURLToPath(new URL('..', import.meta.url));
const caller = { owner: 'closed-output-test', admin: false };

test('a worker whose log reader went away still hands its running task back on SIGTERM and exits 0', async () => {
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({ databaseUrl: database.url, logger: pino({ level: 'warn' }) });
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  // stdout and stderr are pipes to this process, as to a log shipper or journald.
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: workerDir,
    env: {
      ...rest,
      DATABASE_URL: database.url,
      LOG_LEVEL: 'info',
      MAX_WORKERS: '1',
      SHUTDOWN_GRACE_SECONDS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // A worker that hangs instead of exiting would outlive the test: keep it finite.
  const stop = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    let stdout = '';
    const started = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"msg":"task started"')) resolve();
      });
    });
    let task_id = '';
    for (;;) {
      // Until the worker has registered demo.
      const submitted = await system.tasks
        .submit(caller, { workflow: 'demo', params: { steps: 600, step_ms: 100 }, priority: 'normal' })
        .catch(() => undefined);
      if (submitted) {
        task_id = submitted.task_id;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await started;

    // The reader goes away: every later write to stdout or stderr fails with EPIPE.
    child.stdout.destroy();
    child.stderr.destroy();
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // Handed back to the queue for another worker, without spending a retry.
    const task = await system.tasks.get(caller, task_id);
    expect(task.status).toBe('queued');
    expect(task.attempt).toBe(1);
  } finally {
    clearTimeout(stop);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
