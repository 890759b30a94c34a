import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startApiProcess } from '@kaygraph/api/testing';
import { createTestDatabase } from '@kaygraph/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APP_PACKAGES } from '../src/app-packages.ts';
import { startAppProcess } from '../src/app-process.ts';
import { createFixtureApp, type FixtureApp, REPO_ROOT, runCommand } from '../src/fixture-app.ts';

const TSC = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
/** The worker's log line once it serves the app's workflows. */
const WORKER_STARTED = /"workflows":\["word_count"\].*"msg":"worker started"/;

let app: FixtureApp;
beforeAll(async () => {
  app = await createFixtureApp(APP_PACKAGES);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
});

/** The app's environment: its node (the workspace's, which pg-boss supports) and the given variables. */
function appEnv(variables: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, LOG_LEVEL: 'info', ...variables };
}

describe("the app's own workflows, typed", () => {
  test("the README's files type-check against the installed declarations", async () => {
    const tsc = await runCommand(TSC, ['-p', 'tsconfig.json'], { cwd: app.dir });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.code).toBe(0);
  });

  test('a wrong param of the typed call does not compile, and names the field', async () => {
    const submit = await readFile(join(app.dir, 'submit.ts'), 'utf8');
    const broken = submit.replace("params: { lines: ['the quick brown fox',", 'params: { lines: [4,');
    expect(broken).not.toBe(submit);
    await writeFile(join(app.dir, 'submit-broken.ts'), broken);
    const tsc = await runCommand(TSC, ['-p', 'tsconfig.json'], { cwd: app.dir });
    expect(tsc.code).not.toBe(0);
    expect(tsc.stdout).toMatch(
      /submit-broken\.ts\(\d+,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  });
});

describe("a worker started from the app's code", () => {
  test('runs a task submitted through the api process, with live progress on the client', async () => {
    await using database = await createTestDatabase();
    // The api as it ships, told where the app's workflows are (until workers register them); no worker.
    await using api = await startApiProcess(database.url, {
      WORKFLOWS_MODULE: join(app.dir, 'workflows.ts'),
    });
    await using worker = startAppProcess(process.execPath, ['worker.ts'], {
      cwd: app.dir,
      env: appEnv({ DATABASE_URL: database.url }),
    });
    await worker.waitForOutput(WORKER_STARTED);

    const submit = await runCommand(process.execPath, ['submit.ts'], {
      cwd: app.dir,
      env: appEnv({ KAYGRAPH_URL: api.url }),
      timeoutMs: 60_000,
    });
    expect(submit.stderr).toBe('');
    const lines = submit.stdout.trim().split('\n');
    // Progress arrives while the task runs (three lines, 200 ms each), then the typed result.
    expect(lines.at(-1)).toBe('completed 9');
    const progress = lines.slice(0, -1);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((line) => /^\d+% line [123] of 3$/.test(line))).toBe(true);

    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  test('refuses a database the api never set up, saying so', async () => {
    await using database = await createTestDatabase({ empty: true });
    const run = await runCommand(process.execPath, ['worker.ts'], {
      cwd: app.dir,
      env: appEnv({ DATABASE_URL: database.url }),
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'the database has no KayGraph Tasks tables: start the api on it first (it creates them), then the worker',
    );
  });
});

describe('the worker commands', () => {
  test.each([
    ['kaygraph-worker', ['node_modules/.bin/kaygraph-worker', 'workflows.ts', '--concurrency', '1']],
    ['kaygraph worker', ['node_modules/.bin/kaygraph', 'worker', 'workflows.ts', '--concurrency', '1']],
  ])('%s serves the module and stops on SIGTERM', async (_name, args) => {
    await using database = await createTestDatabase();
    await using worker = startAppProcess(process.execPath, args, {
      cwd: app.dir,
      env: appEnv({ DATABASE_URL: database.url }),
    });
    await worker.waitForOutput(WORKER_STARTED);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('"msg":"worker stopped"');
  });

  test('kaygraph-worker without a database says what to set', async () => {
    const env = appEnv({});
    delete env.DATABASE_URL;
    const run = await runCommand(process.execPath, ['node_modules/.bin/kaygraph-worker', 'workflows.ts'], {
      cwd: app.dir,
      env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: set DATABASE_URL \(or --database-url\): the api database\nusage: /);
  });
});
