import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ApiProcess, startApiProcess } from '@kaygraph/api/testing';
import { connect } from '@kaygraph/db';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { APP_PACKAGES } from '../src/app-packages.ts';
import { type AppProcess, startAppProcess } from '../src/app-process.ts';
import { bundlePage, countWordsInBrowser } from '../src/browser-app.ts';
import { createFixtureApp, type FixtureApp, REPO_ROOT, runCommand } from '../src/fixture-app.ts';

const TSC = join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
/** The system's Node, which the published client must run on (the workspace runs Node 24). */
const SYSTEM_NODE = '/usr/bin/node';
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
  test("the app's files (the README's, typed calls and signals) type-check against the installed declarations", async () => {
    const tsc = await runCommand(TSC, ['-p', 'tsconfig.json'], { cwd: app.dir });
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.code).toBe(0);
  });

  test('they type-check with exactOptionalPropertyTypes too: options take `undefined` (an unset variable)', async () => {
    const tsc = await runCommand(TSC, ['-p', 'tsconfig.json', '--exactOptionalPropertyTypes'], {
      cwd: app.dir,
    });
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

describe("a worker started from the app's code, the stock api, and the client", () => {
  let database: TestDatabase;
  let api: ApiProcess;
  let worker: AppProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    // The api as it ships: no worker, no code of the app's workflows (the app's worker registers them).
    api = await startApiProcess(database.url);
    worker = startAppProcess(process.execPath, ['worker.ts'], {
      cwd: app.dir,
      env: appEnv({ DATABASE_URL: database.url }),
    });
    await worker.waitForOutput(WORKER_STARTED);
  });
  afterAll(async () => {
    await worker?.[Symbol.asyncDispose]();
    await api?.[Symbol.asyncDispose]();
    await database?.[Symbol.asyncDispose]();
  });

  test("the README's typed call runs the task, with live progress", async () => {
    const submit = await runCommand(process.execPath, ['submit.ts'], {
      cwd: app.dir,
      env: appEnv({ KAYGRAPH_URL: api.url }),
      timeoutMs: 60_000,
    });
    expect(submit.stderr).toBe('');
    const lines = submit.stdout.trim().split('\n');
    // Progress arrives while the task runs (three lines, 200 ms each), then the typed result.
    expect(lines.at(-1)).toBe('completed 9');
    expect(lines.slice(0, -1).some((line) => /^\d+% line [123] of 3$/.test(line))).toBe(true);
  });

  test('the client on the system Node 20 follows one over SSE', async () => {
    const run = await runCommand(SYSTEM_NODE, ['live-call.mjs'], {
      cwd: app.dir,
      env: appEnv({
        KAYGRAPH_URL: api.url,
        KAYGRAPH_WORKFLOW: 'word_count',
        KAYGRAPH_PARAMS: JSON.stringify({ lines: ['one two', 'three'] }),
      }),
      timeoutMs: 60_000,
    });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as {
      node: string;
      status: string;
      result: unknown;
      progress: number[];
    };
    expect(seen.node).toMatch(/^v20\./);
    expect(seen.status).toBe('completed');
    expect(seen.result).toEqual({ words: 3 });
    expect(seen.progress.length).toBeGreaterThan(0);
  });

  test('the client bundled in a page of headless Chromium follows one over WebSocket', async () => {
    const script = await bundlePage(app.dir);
    const { outcome, webSockets, errors } = await countWordsInBrowser(api.url, script, ['a b', 'c d e']);
    expect(errors).toEqual([]);
    expect(outcome.status).toBe('completed');
    expect(outcome.result).toEqual({ words: 5 });
    expect(outcome.progress.length).toBeGreaterThan(0);
    expect(webSockets.length).toBeGreaterThan(0);
  });

  test('a workflow that throws WorkflowInputError fails its task at once, with the code it chose', async () => {
    await using checker = startAppProcess(
      process.execPath,
      ['node_modules/.bin/kaygraph-worker', 'input-check.ts'],
      {
        cwd: app.dir,
        env: appEnv({ DATABASE_URL: database.url }),
      },
    );
    await checker.waitForOutput(/"workflows":\["pick_section"\].*"msg":"worker started"/);
    const run = await runCommand(SYSTEM_NODE, ['live-call.mjs'], {
      cwd: app.dir,
      env: appEnv({
        KAYGRAPH_URL: api.url,
        KAYGRAPH_WORKFLOW: 'pick_section',
        KAYGRAPH_PARAMS: JSON.stringify({ sections: { intro: 'hello' }, wanted: 'summary' }),
      }),
      timeoutMs: 60_000,
    });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout) as { status: string; error: unknown; statuses: string[] };
    expect(seen.status).toBe('failed');
    expect(seen.error).toMatchObject({ code: 'NOT_FOUND', message: 'no section "summary"', attempt: 1 });
    // Three retries were left: none was taken.
    expect(seen.statuses).toEqual(['queued', 'running', 'failed']);
  });

  test('the worker stops gracefully on Ctrl-C (SIGINT), as on SIGTERM', async () => {
    worker.child.kill('SIGINT');
    expect(await worker.exited).toBe(0);
  });
});

describe('startWorker refuses what it cannot run', () => {
  test.each([
    [
      'a relative path for the workflows module',
      "{ workflows: './workflows.ts' }",
      `TypeError: workflows is where your module is: import.meta.resolve('./workflows.ts'), a file: URL or an absolute path (got "./workflows.ts")`,
    ],
    [
      'a concurrency below 1',
      "{ workflows: import.meta.resolve('./workflows.ts'), concurrency: 0 }",
      'RangeError: concurrency is the number of tasks run at once, an integer >= 1 (got 0)',
    ],
  ])('%s, saying what to pass', async (_case, options, message) => {
    const script =
      "import { startWorker } from '@kaygraph/worker';\n" +
      `await startWorker({ databaseUrl: 'postgres://127.0.0.1:1/none', ...${options} });`;
    const run = await runCommand(process.execPath, ['--input-type=module', '--eval', script], {
      cwd: app.dir,
      env: appEnv({}),
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
  });

  test('a database that cannot be reached, saying where and why', async () => {
    const run = await runCommand(process.execPath, ['worker.ts'], {
      cwd: app.dir,
      env: appEnv({ DATABASE_URL: 'postgres://someone:secret@127.0.0.1:1/none' }),
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot reach the database at 127.0.0.1:1/none (ECONNREFUSED)');
    expect(run.stderr).not.toContain('secret');
  });

  test('a database the api never set up, saying to start the api first', async () => {
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
    // Nothing was created there (pg-boss' schema included).
    const { sql, close } = connect(database.url, { max: 1 });
    try {
      const schemas = await sql<{ nspname: string }[]>`
        select nspname from pg_namespace
        where nspname not in ('public', 'information_schema') and not starts_with(nspname, 'pg_')`;
      expect(schemas).toEqual([]);
    } finally {
      await close();
    }
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
