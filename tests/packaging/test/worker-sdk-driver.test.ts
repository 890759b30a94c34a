import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ApiProcess, startApiProcess } from '@kaygraph/api/testing';
import { connect } from '@kaygraph/db';
import { createTestDatabase, type TestDatabase } from '@kaygraph/db/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { packageImports, packageOf } from '../../../scripts/pack/check-specifiers.ts';
import { APP_PACKAGES } from '../src/app-packages.ts';
import { type AppProcess, startAppProcess } from '../src/app-process.ts';
import { createFixtureApp, type FixtureApp, runCommand } from '../src/fixture-app.ts';
import { comparableCode, patchedCode } from '../src/patched-code.ts';
import { localTcpPorts } from '../src/process-sockets.ts';

/**
 * The worker SDK runs on postgres.js as patched in patches/ (a write after its socket closed kills the
 * process unpatched): the package must carry that copy, since an app installing `postgres` from the
 * registry gets the unpatched one.
 */
const POSTGRES_PATCH = 'postgres+3.4.9.patch';
/** The driver and drizzle-orm, whose postgres-js driver imports it: neither may come from the app's node_modules. */
const DRIVER_PACKAGES = ['postgres', 'drizzle-orm'];
const WORKER_STARTED = /"workflows":\["word_count"\].*"msg":"worker started"/;

let app: FixtureApp;
beforeAll(async () => {
  app = await createFixtureApp(APP_PACKAGES);
});
afterAll(async () => {
  await app?.[Symbol.asyncDispose]();
});

function installedWorker(): string {
  return join(app.dir, 'node_modules', '@kaygraph', 'worker');
}

describe('the installed worker SDK', () => {
  test('carries the patched postgres.js in its JavaScript', async () => {
    // The ESM build (src/) is the one Node and bundlers load.
    const hunks = await patchedCode(
      POSTGRES_PATCH,
      (file) => file === 'node_modules/postgres/src/connection.js',
    );
    expect(hunks.length, `${POSTGRES_PATCH} changes postgres/src/connection.js`).toBeGreaterThan(0);
    const files = await readdir(installedWorker(), { recursive: true });
    const javaScript = await Promise.all(
      files
        .filter((file) => file.endsWith('.js'))
        .map((file) => readFile(join(installedWorker(), file), 'utf8')),
    );
    const shipped = comparableCode(javaScript.join('\n'));
    const missing = hunks.filter((hunk) => !shipped.includes(comparableCode(hunk.code.join('\n'))));
    expect(missing.map((hunk) => hunk.code.join('\n'))).toEqual([]);
  });

  test('imports neither postgres nor drizzle-orm, and the app installs neither', async () => {
    const imported = await packageImports(installedWorker());
    expect(imported.filter(({ specifier }) => DRIVER_PACKAGES.includes(packageOf(specifier)))).toEqual([]);
    const manifest = JSON.parse(await readFile(join(installedWorker(), 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).filter((name) => DRIVER_PACKAGES.includes(name))).toEqual([]);
    const installed = await runCommand('npm', ['ls', '--all', '--parseable'], { cwd: app.dir });
    expect(installed.code).toBe(0);
    const paths = installed.stdout.split('\n');
    expect(
      paths.filter((path) => DRIVER_PACKAGES.some((name) => path.endsWith(`node_modules/${name}`))),
    ).toEqual([]);
  });
  test('ships the licenses of the packages its bundle carries', async () => {
    const notices = await readFile(join(installedWorker(), 'THIRD_PARTY_NOTICES.md'), 'utf8').catch(() => '');
    expect(notices).toMatch(/^## drizzle-orm \S+\n\nLicense: Apache-2\.0/m);
    expect(notices).toContain('TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION');
    expect(notices).toMatch(/^## postgres 3\.4\.9\n\nLicense: Unlicense/m);
  });
});

describe('a worker whose database connections are terminated', () => {
  let database: TestDatabase;
  let api: ApiProcess;
  let worker: AppProcess;
  beforeAll(async () => {
    database = await createTestDatabase();
    api = await startApiProcess(database.url);
    worker = startAppProcess(process.execPath, ['worker.ts'], {
      cwd: app.dir,
      env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: database.url },
    });
    await worker.waitForOutput(WORKER_STARTED);
  });
  afterAll(async () => {
    await worker?.[Symbol.asyncDispose]();
    await api?.[Symbol.asyncDispose]();
    await database?.[Symbol.asyncDispose]();
  });

  /** pg_terminate_backend of every connection the worker process holds (the api's are left alone). */
  async function terminateWorkerConnections(): Promise<number> {
    const { pid } = worker.child;
    if (pid === undefined) throw new Error('the worker process has no pid');
    const ports = await localTcpPorts(pid);
    const { sql, close } = connect(database.url, { max: 1 });
    try {
      const terminated = await sql<{ terminated: boolean }[]>`
        select pg_terminate_backend(pid) as terminated from pg_stat_activity
        where datname = current_database() and client_port = any(${ports}::int[])`;
      return terminated.filter((row) => row.terminated).length;
    } finally {
      await close();
    }
  }

  /** The README's typed call (submit.ts) as a process: its output shows the task's progress as it runs. */
  function submitWordCount(): AppProcess {
    return startAppProcess(process.execPath, ['submit.ts'], {
      cwd: app.dir,
      env: { ...process.env, KAYGRAPH_URL: api.url },
    });
  }

  test('keeps running, and finishes the task it was running and the next one', async () => {
    // Mid-task: the task has reported its first line, and writes progress and its result afterwards.
    await using running = submitWordCount();
    await running.waitForOutput(/\d+% line 1 of 3/);
    expect(await terminateWorkerConnections()).toBeGreaterThan(0);
    expect(await running.exited).toBe(0);
    expect(running.output().trim().split('\n').at(-1)).toBe('completed 9');

    // Idle, with every connection of its pools gone: the next task still runs.
    expect(await terminateWorkerConnections()).toBeGreaterThan(0);
    await using next = submitWordCount();
    expect(await next.exited).toBe(0);
    expect(next.output().trim().split('\n').at(-1)).toBe('completed 9');

    expect(worker.child.exitCode).toBeNull();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });
});
