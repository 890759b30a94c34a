import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initTRPC } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kaygraph, kaygraphProcess, parseJson } from './cli-helpers.ts';

/**
 * `schedules` and `dlq` call procedures that arrive with the orchestration features. Against an
 * api without them (here: a real tRPC server of an older release, which only has `health`), the
 * CLI says so instead of printing a stack or a bare 404.
 */
let server: Server;
let url: string;

beforeAll(async () => {
  const t = initTRPC.create();
  const router = t.router({ health: t.procedure.query(() => ({ status: 'ok' })) });
  const handler = createHTTPHandler({ router, basePath: '/trpc/' });
  server = createServer((req, res) => {
    if (req.url?.startsWith('/trpc/')) handler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('schedules and dlq on an api without them', () => {
  test.each([
    [['schedules', 'list'], 'schedules.list'],
    [['schedules', 'create', '--name', 'n', '--cron', '0 9 * * *', '--workflow', 'demo'], 'schedules.create'],
    [['schedules', 'pause', '00000000-0000-4000-8000-000000000000'], 'schedules.pause'],
    [['dlq', 'list'], 'deadLetters.list'],
    [['dlq', 'redrive', '00000000-0000-4000-8000-000000000000'], 'deadLetters.redrive'],
    [['dlq', 'purge', '00000000-0000-4000-8000-000000000000'], 'deadLetters.purge'],
  ])('kaygraph %s names the missing %s procedure', async (args, path) => {
    const run = await kaygraph(args, { KAYGRAPH_URL: url });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `error: UNAVAILABLE: the api at ${url} has no ${path} procedure: this server does not offer that ` +
        'feature (it arrives with a newer api release)',
    );
  });

  test('--json reports it as a JSON error', async () => {
    const run = await kaygraphProcess(['dlq', 'list', '--json'], { KAYGRAPH_URL: url });
    expect(run.code).toBe(1);
    expect(parseJson(run.stderr)).toEqual({
      error: { code: 'UNAVAILABLE', message: expect.stringContaining('has no deadLetters.list procedure') },
    });
  });

  test('usage is checked before any call: schedules update needs a change', async () => {
    const run = await kaygraph(['schedules', 'update', '00000000-0000-4000-8000-000000000000'], {
      KAYGRAPH_URL: url,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('nothing to update');
  });
});
