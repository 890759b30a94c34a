import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, holdMigrationLock } from '@kaygraph/db/testing';
import { expect, onTestFinished, test } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

/** Resolves once `read()` holds `pattern` (re-checked on every chunk of `stream`). */
function untilOutput(stream: NodeJS.ReadableStream, read: () => string, pattern: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!pattern.test(read())) return;
      stream.off('data', check);
      resolve();
    };
    stream.on('data', check);
    check();
  });
}

test('an api starting while another process migrates logs that it waits for that migration, then serves', async () => {
  await using database = await createTestDatabase();
  // What a rolling deploy's first replica, or the migrate Job, holds while it applies a release's migrations.
  await using lock = await holdMigrationLock(database.url);
  const { DATABASE_URL: _inherited, ...rest } = process.env;
  const child = spawn(process.execPath, [MAIN], {
    env: { ...rest, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  // Also when the test times out, which skips the end of its body: the api must not outlive it.
  onTestFinished(stop);
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  await untilOutput(child.stdout, () => stdout, /another process is applying database migrations/);
  const line = stdout.split('\n').find((text) => text.includes('another process is applying'));
  expect(JSON.parse(line ?? '{}')).toMatchObject({
    level: 30,
    msg: 'another process is applying database migrations; waiting for it to finish before starting',
  });
  expect(stdout).not.toContain('KayGraph Tasks API listening');

  await lock.release();
  await untilOutput(child.stdout, () => stdout, /KayGraph Tasks API listening/);
  await stop();
});
