import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { useTestServer } from './harness.ts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../examples/python_client.py', import.meta.url));

const server = useTestServer();
test('examples/python_client.py (standard library only) submits, checks progress, streams and fetches the result', async () => {
  const { stdout } = await run('python3', [
    script,
    '--url',
    server.url,
    '--workflow',
    'steps',
    '--params',
    // 3 x 60 ms: progress while it runs; the completed event carries the final 100 %.
    JSON.stringify({ steps: 3, delay_ms: 60 }),
  ]);
  expect(stdout).toMatch(/^submitted [0-9a-f-]{36} \(HTTP 202, status \w+\)$/m);
  expect(stdout).toMatch(/^progress: [\d.]+% status=\w+$/m);
  // The step and the message, as the CLI shows them (a workflow may report either alone).
  expect(stdout).toMatch(/Progress: [\d.]+% - step \d: step \d of 3$/m);
  expect(stdout).toMatch(/Status: completed \(100%\)/);
  expect(stdout).toMatch(/Done: completed/);
  expect(stdout).toContain('result: {"steps_done": 3}');
});

test('the script reports API errors with the error code and exits 2', async () => {
  const failure = await run('python3', [script, '--url', server.url, '--workflow', 'no_such_workflow']).catch(
    (error: { code: number; stderr: string }) => error,
  );
  expect(failure).toMatchObject({ code: 2 });
  expect((failure as { stderr: string }).stderr).toMatch(/API error: HTTP 4\d\d/);
});

test('the script says when the api cannot be reached, and exits 2', async () => {
  const failure = await run('python3', [script, '--url', 'http://127.0.0.1:9', '--workflow', 'steps']).catch(
    (error: { code: number; stderr: string }) => error,
  );
  expect(failure).toMatchObject({ code: 2 });
  expect((failure as { stderr: string }).stderr.trim()).toMatch(
    /^cannot reach the api at http:\/\/127\.0\.0\.1:9: /,
  );
});
