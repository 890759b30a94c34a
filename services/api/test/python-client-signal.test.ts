import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';
import { useTestServer } from './harness.ts';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../../examples/python_client.py', import.meta.url));

/** The built-in content_review, which waits for an `approval` signal. */
const server = useTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
const params = JSON.stringify({ title: 'Launch', points: ['We ship on Monday'], review_seconds: 600 });

test('examples/python_client.py sends the approval a waiting content_review task waits for', async () => {
  const { stdout } = await run('python3', [
    script,
    '--url',
    server.url,
    '--workflow',
    'content_review',
    '--params',
    params,
    '--signal',
    'approval',
    '--signal-data',
    '{"approved": true, "note": "ship it"}',
  ]);
  expect(stdout).toMatch(/^\[\d+\] Waiting: signal approval \(deadline \d{4}-[\d-]+T[\d:.]+Z\)$/m);
  expect(stdout).toMatch(/^signal approval: resumed \(HTTP 200, status queued\)$/m);
  expect(stdout).toMatch(/^\[\d+\] Signal approval resumed$/m);
  expect(stdout).toMatch(/Done: completed/);
  expect(stdout).toContain('"outcome": "published"');
});

test('a payload that does not fit the signal is an API error (HTTP 400) and exit status 2', async () => {
  const failure = await run('python3', [
    script,
    '--url',
    server.url,
    '--workflow',
    'content_review',
    '--params',
    params,
    '--signal',
    'approval',
    '--signal-data',
    '{"approved": "yes"}',
  ]).catch((error: { code: number; stderr: string }) => error);
  expect(failure).toMatchObject({ code: 2 });
  expect((failure as { stderr: string }).stderr).toMatch(
    /API error: HTTP 400: INVALID_PARAMS: .*payload\.approved/,
  );
});
