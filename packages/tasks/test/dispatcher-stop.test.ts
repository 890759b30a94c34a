import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/dispatcher-stop-process.ts', import.meta.url));

test('a process whose worker stopped while a rate-limited fetch was in flight ends on its own', async () => {
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  // A timer left behind by the stop would keep it alive for an hour: the test's timeout would end it.
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exit) => resolve(exit)));
  expect(stdout).toBe('stopped\n');
  expect(code).toBe(0);
});
