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

describe('kaygraph watch on a terminal, with a worker', () => {
  let running: TestServer;
  beforeAll(async () => {
    running = await startTestServer();
  });
  afterAll(async () => {
    await running?.[Symbol.asyncDispose]();
  });

  test('a cancelled task leaves the bar without the ETA it had while running', async () => {
    const runEnv = { KAYGRAPH_URL: running.url };
    const submitted = await kaygraph(
      ['submit', 'steps', '--params', '{"steps": 200, "delay_ms": 50}'],
      runEnv,
    );
    const taskId = submitted.stdout.trim();

    let etaDrawn: () => void = () => {};
    const drawn = new Promise<void>((resolve) => {
      etaDrawn = resolve;
    });
    const watching = kaygraph(['watch', taskId], runEnv, {
      terminal: { onStderr: (text) => /\| running \|.*ETA/.test(text) && etaDrawn() },
    });
    await drawn;
    expect((await kaygraph(['cancel', taskId], runEnv)).code).toBe(0);
    const watched = await watching;

    expect(watched.code).toBe(1);
    const lastDraw = watched.stderr.slice(watched.stderr.lastIndexOf('| cancelled |')).split('\n')[0];
    expect(lastDraw).toMatch(/^\| cancelled \|/);
    expect(lastDraw).not.toContain('ETA');
  });
});
