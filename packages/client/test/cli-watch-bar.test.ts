import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kaygraph } from './cli-helpers.ts';

/** The live bar on a terminal, against an api without a worker: tasks stay queued until cancelled. */
let server: TestServer;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestServer({ worker: false });
  env = { KAYGRAPH_URL: server.url };
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

describe('kaygraph watch on a terminal', () => {
  test("the bar shows the api's status words (queued, then cancelled), never pending", async () => {
    const submitted = await kaygraph(['submit', 'echo', '--params', '{"value": "a"}'], env);
    expect(submitted.code).toBe(0);
    const taskId = submitted.stdout.trim();

    let barDrawn: () => void = () => {};
    const drawn = new Promise<void>((resolve) => {
      barDrawn = resolve;
    });
    const watching = kaygraph(['watch', taskId], env, {
      terminal: { onStderr: (text) => text.includes('| queued |') && barDrawn() },
    });
    await drawn;
    expect((await kaygraph(['cancel', taskId], env)).code).toBe(0);
    const watched = await watching;

    expect(watched.code).toBe(1);
    expect(watched.stderr).toContain('| queued |');
    expect(watched.stderr).toContain('| cancelled |');
    expect(watched.stderr).not.toContain('pending');
  });
});
