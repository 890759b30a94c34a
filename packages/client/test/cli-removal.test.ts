import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kaygraph, parseJson } from './cli-helpers.ts';

/** `kaygraph submit --delay`, `remove` and `clean` against a real api, in open mode. */
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ operations: {} });
  env = { KAYGRAPH_URL: server.url };
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

/** A tRPC server whose `tasks.clean` answers `answer` (an api of another release); closed on dispose. */
async function fakeCleanApi(answer: object): Promise<{ url: string } & AsyncDisposable> {
  const t = initTRPC.create();
  const router = t.router({ tasks: t.router({ clean: t.procedure.mutation(() => answer) }) });
  const handler = createHTTPHandler({ router, basePath: '/trpc/' });
  const http = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}

/** A task delayed by an hour, then cancelled: finished, and never run. */
async function delayedTask(): Promise<string> {
  const run = await kaygraph(
    ['submit', 'echo', '--params', '{"value": "later"}', '--delay', '3600', '--json'],
    env,
  );
  expect(run.code).toBe(0);
  return SubmitTaskOutput.parse(parseJson(run.stdout)).task_id;
}

describe('kaygraph remove / clean', () => {
  test('submit --delay schedules the task; remove refuses it until it finished, then deletes it', async () => {
    const taskId = await delayedTask();
    const view = TaskView.parse(parseJson((await kaygraph(['status', taskId, '--json'], env)).stdout));
    expect(view.status).toBe('scheduled');
    const refused = await kaygraph(['remove', taskId.slice(0, 8)], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is scheduled');

    expect((await kaygraph(['cancel', taskId], env)).code).toBe(0);
    const removed = await kaygraph(['remove', taskId.slice(0, 8)], env);
    expect(removed.code).toBe(0);
    expect(removed.stdout.trim()).toBe(`${taskId} removed`);
    const gone = await kaygraph(['status', taskId], env);
    expect(gone.stderr).toContain('NOT_FOUND');
  });

  test('clean removes finished tasks a page at a time; the next page keeps the first cutoff', async () => {
    for (const taskId of [await delayedTask(), await delayedTask()]) {
      expect((await kaygraph(['cancel', taskId], env)).code).toBe(0);
    }
    const first = await kaygraph(['clean', '--status', 'cancelled', '--limit', '1'], env);
    expect(first.code).toBe(0);
    const more = first.stdout.match(
      /^removed 1 task\(s\); more remain: kaygraph (clean --before \S+ --status cancelled --limit 1)\n$/,
    );
    expect(more, first.stdout).not.toBeNull();
    const [, command = ''] = more ?? [];
    // Finished after the first call's cutoff: the printed command leaves it, as the first call did.
    const later = await delayedTask();
    expect((await kaygraph(['cancel', later], env)).code).toBe(0);
    const next = await kaygraph(command.split(' '), env);
    expect(next.stdout).toBe('removed 1 task(s)\n');
    expect(
      TaskView.parse(parseJson((await kaygraph(['status', later, '--json'], env)).stdout)),
    ).toMatchObject({
      status: 'cancelled',
    });
    const last = await kaygraph(['clean'], env);
    expect(last.stdout.trim()).toBe('removed 1 task(s)');
    const wrong = await kaygraph(['clean', '--status', 'queued'], env);
    expect(wrong.code).toBe(2);
  });

  test('an older api without finished_before: clean says to run it again', async () => {
    await using old = await fakeCleanApi({ removed: 1, task_ids: [], has_more: true });
    const run = await kaygraph(['clean', '--url', old.url]);
    expect(run.stdout).toBe('removed 1 task(s); more remain: run it again\n');
  });

  test('the next-page command keeps a --url option, never the api key', async () => {
    const cutoff = '2026-01-01T00:00:00.000Z';
    await using api = await fakeCleanApi({
      removed: 1,
      task_ids: [],
      has_more: true,
      finished_before: cutoff,
    });
    const given = await kaygraph(['clean', '--url', `${api.url}/`, '--api-key', 'kg_secret', '--limit', '1']);
    expect(given.stdout).toBe(
      `removed 1 task(s); more remain: kaygraph clean --url ${api.url} --before ${cutoff} --limit 1\n`,
    );
    // From the environment, it is the environment's again.
    const fromEnv = await kaygraph(['clean'], { KAYGRAPH_URL: api.url, KAYGRAPH_API_KEY: 'kg_secret' });
    expect(fromEnv.stdout).toBe(`removed 1 task(s); more remain: kaygraph clean --before ${cutoff}\n`);
  });
});
