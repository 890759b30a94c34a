import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, test } from 'vitest';

/** The `msg` of each complete JSON log line in `output`. */
function logMessages(output: string): string[] {
  return output
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.startsWith('{'))
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
}

test('`npm start` sent SIGTERM the moment its bundled worker logs `worker started` stops gracefully and exits 0', async () => {
  await using database = await createTestDatabase();
  const { DATABASE_URL: _inherited, PORT: _port, ...rest } = process.env;
  const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const child = spawn(process.execPath, [main, '--with-worker'], {
    env: { ...rest, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'info', SHUTDOWN_GRACE_SECONDS: '5' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!child.killed && logMessages(stdout).includes('worker started')) child.kill('SIGTERM');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // What a SIGTERM after the start prints: the sequence began, the worker stopped, the process stopped.
  const lifecycle = ['worker started', 'shutting down', 'worker stopped', 'stopped'];
  expect(logMessages(stdout).filter((message) => lifecycle.includes(message))).toEqual(lifecycle);
  expect(code).toBe(0);
});
