import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { SignalTaskOutput, SubmitTaskOutput } from '@kaygraph/contracts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient } from '../src/index.ts';
import { kaygraph, kaygraphProcess, parseJson } from './cli-helpers.ts';

/** `kaygraph signal` and how `status` / `watch` show a waiting task, against a real api and worker. */
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ workflowsModule: '@kaygraph/workflows/catalog' });
  env = { KAYGRAPH_URL: server.url };
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const params = JSON.stringify({
  title: 'Release notes',
  points: ['Waits hold no worker'],
  review_seconds: 600,
});

async function waitingTask(): Promise<string> {
  const run = await kaygraph(['submit', 'content_review', '--params', params, '--json'], env);
  expect(run.code).toBe(0);
  const { task_id } = SubmitTaskOutput.parse(parseJson(run.stdout));
  using client = createClient({ url: server.url });
  for await (const event of client.watch(task_id)) if (event.type === 'waiting') return task_id;
  throw new Error('the task did not wait');
}

describe('kaygraph signal', () => {
  test('status shows the wait; watch follows through it; signal resumes the task', async () => {
    const taskId = await waitingTask();
    const status = await kaygraph(['status', taskId], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^status\s+waiting$/m);
    expect(status.stdout).toMatch(/^waits for\s+signal "approval" until \d{4}-\d\d-\d\dT[\d:.]+Z$/m);

    // watch (lines, no terminal) keeps following a waiting task until it ends
    const watching = kaygraph(['watch', taskId], env);
    const sent = await kaygraphProcess(
      ['signal', taskId, 'approval', '--data', '{"approved": true, "note": "ok"}'],
      env,
    );
    expect(sent).toMatchObject({ code: 0, stdout: `${taskId} approval: resumed (status queued)\n` });
    const watched = await watching;
    expect(watched.code).toBe(0);
    expect(watched.stderr).toMatch(/^status waiting/m);
    expect(watched.stderr).toMatch(/^waiting for signal "approval" until /m);
    expect(watched.stderr).toMatch(/^signal "approval" received: resuming$/m);
    expect(JSON.parse(watched.stdout)).toMatchObject({ outcome: 'published', reviews: [{ note: 'ok' }] });

    // the wait is over: a second signal is a conflict
    const again = await kaygraph(['signal', taskId, 'approval', '--data', '{"approved": false}'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: CONFLICT: /);
  });

  test('a payload that does not fit the schema is refused naming the field, and nothing is taken', async () => {
    const taskId = await waitingTask();
    const invalid = await kaygraph(['signal', taskId, 'approval', '--data', '{"approved": "yes"}'], env);
    expect(invalid.code).toBe(1);
    // The field is named once: in the message, not again on a line of its own.
    expect(invalid.stderr).toMatch(/^error: INVALID_PARAMS: .*payload\.approved: /);
    expect(invalid.stderr.split('payload.approved')).toHaveLength(2);
    const unknown = await kaygraph(['signal', taskId, 'publish'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('has no signal "publish" (it has: approval)');
    const notJson = await kaygraph(['signal', taskId, 'approval', '--data', '{approved}'], env);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toMatch(/^error: BAD_REQUEST: --data is not valid JSON/);

    const json = await kaygraph(
      ['signal', taskId, 'approval', '--data', '{"approved": false}', '--json'],
      env,
    );
    expect(json.code).toBe(0);
    expect(SignalTaskOutput.parse(parseJson(json.stdout))).toMatchObject({
      task_id: taskId,
      name: 'approval',
      taken: 'resumed',
    });
    await kaygraph(['cancel', taskId], env);
  });

  test('--idempotency-key: a repeat gets the first answer and changes nothing', async () => {
    const taskId = await waitingTask();
    const send = (data: string, ...more: string[]) =>
      kaygraph(['signal', taskId, 'approval', '--data', data, '--idempotency-key', 'review-7', ...more], env);
    const first = await send('{"approved": true}');
    expect(first).toMatchObject({ code: 0, stdout: `${taskId} approval: resumed (status queued)\n` });
    const again = await send('{"approved": true}', '--json');
    expect(again.code).toBe(0);
    expect(SignalTaskOutput.parse(parseJson(again.stdout))).toEqual({
      task_id: taskId,
      name: 'approval',
      taken: 'resumed',
      status: 'queued',
      deduplicated: true,
    });
    const said = await send('{"approved": true}');
    expect(said.stderr).toContain('an earlier signal with this idempotency key');
    const other = await send('{"approved": false}');
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^error: CONFLICT: idempotency key "review-7"/);
  });
});
