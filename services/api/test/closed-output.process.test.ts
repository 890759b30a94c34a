import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, test } from 'vitest';
import { postJson, requestJson } from './http-helpers.ts';

/**
 * `npm start 2>&1 | tee api.log` (or `| pino-pretty`) stopped with Ctrl-C: the terminal's SIGINT ends the
 * reader of the output too, and the process then stops with its notices and logs going nowhere.
 */
test('`npm start` whose output reader is gone (a `| tee` ended by the same Ctrl-C) still shuts down gracefully', async () => {
  await using database = await createTestDatabase();
  const { DATABASE_URL: _inherited, PORT: _port, ...rest } = process.env;
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, [main, '--with-worker'], {
    env: { ...rest, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  await using _killed = {
    [Symbol.asyncDispose]: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  let banner = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      banner += chunk.toString();
      const match = /API\s+(http:\/\/\S+)/.exec(banner);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`the api exited (${code}) before listening:\n${banner}`)));
  });
  // A task that runs through the signal: the shutdown has something to say about it on the terminal.
  const submitted = await postJson(`${url}/tasks`, {
    workflow: 'demo',
    params: { steps: 200, step_ms: 100 },
  });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;
  while (((await requestJson(`${url}/tasks/${taskId}`)).body as TaskView).status !== 'running')
    await new Promise((resolve) => setTimeout(resolve, 20));

  child.stdout.destroy();
  child.stderr.destroy();
  child.kill('SIGINT');

  // Not a crash on the closed pipe (nor a hang in the logger's exit flush): the grace period, then exit 0.
  expect(await exited).toBe(0);
});
