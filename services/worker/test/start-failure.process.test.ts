import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, migrate } from '@kaygraph/db';
import { createLimitedRoleDatabase, createTestDatabase, testServerUrl } from '@kaygraph/db/testing';
import { runToExit } from '@kaygraph/tasks/testing';
import { expect, test } from 'vitest';

const workerDir = fileURLToPath(new URL('..', import.meta.url));
const STACK_FRAME = /^\s+at /m;

/** Runs `node src/main.ts` as an operator would, until it exits; its exit code and stderr. */
const runWorker = (env: Record<string, string>) =>
  runToExit(['src/main.ts'], { SHUTDOWN_GRACE_SECONDS: '1', ...env }, { cwd: workerDir });

test('a WORKFLOWS_MODULE that does not exist stops the worker naming the module, without a stack', async () => {
  await using database = await createTestDatabase();
  const run = await runWorker({ DATABASE_URL: database.url, WORKFLOWS_MODULE: './no-such-workflows.ts' });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    /^the worker did not start: the workflows module \.\/no-such-workflows\.ts was not found: .*no-such-workflows\.ts/,
  );
  expect(run.stderr).not.toMatch(STACK_FRAME);
});

test('a DATABASE_URL that is not a postgres:// URL is refused as such, not as unset nor by the server', async () => {
  for (const url of ['http://127.0.0.1:5432/kaygraph', '127.0.0.1:5432/kaygraph']) {
    const run = await runWorker({ DATABASE_URL: url });
    expect(run.code, url).toBe(1);
    expect(run.stderr, url).toBe(
      'the worker did not start: invalid environment:\n' +
        '  DATABASE_URL: not a PostgreSQL URL: expected postgres://user:password@host:5432/database\n',
    );
  }
});

test('a misspelt setting stops the worker naming the setting it resembles, rather than being ignored', async () => {
  await using database = await createTestDatabase();
  const run = await runWorker({ DATABASE_URL: database.url, MAX_WORKER: '8', shutdown_grace_seconds: '5' });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    'the worker did not start: invalid environment:\n' +
      '  MAX_WORKER: not a setting of this service; did you mean MAX_WORKERS? (rename or unset it)\n' +
      '  shutdown_grace_seconds: not a setting of this service; did you mean SHUTDOWN_GRACE_SECONDS? (rename or unset it)\n',
  );
});

test('PostgreSQL refusing a connection for too many clients stops the worker saying so, without a stack', async () => {
  await using limited = await createLimitedRoleDatabase(testServerUrl());
  await migrate(limited.url);
  // One session: the worker's pools, LISTEN and beat cannot all open.
  await limited.setConnectionLimit(1);
  const run = await runWorker({ DATABASE_URL: limited.url });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    new RegExp(
      `^the worker did not start: PostgreSQL at .* refused the connection: too many connections for role "${limited.role}" \\(53300\\); `,
    ),
  );
  expect(run.stderr).toMatch(/max_connections/);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
});

test('a DATABASE_URL asking for TLS (sslmode=require) of a server without it stops the worker saying so, not "cannot reach"', async () => {
  await using database = await createTestDatabase();
  await using admin = connect(testServerUrl(), { max: 1 });
  const [ssl] = await admin.sql<{ ssl: string }[]>`show ssl`;
  expect(ssl?.ssl, 'the test server must run without TLS (ssl = off)').toBe('off');
  const url = new URL(database.url);
  url.searchParams.set('sslmode', 'require');
  const run = await runWorker({ DATABASE_URL: url.href });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `the worker did not start: PostgreSQL at ${url.host}${url.pathname} does not accept TLS connections, and the database URL asks for sslmode=require: ` +
      'turn on ssl in the server (postgresql.conf), or connect without TLS (take sslmode out of the database URL, or set sslmode=disable)\n',
  );
});

test('a DATA_DIR that is not there stops the worker naming the path, rather than failing every task that reads a file', async () => {
  await using database = await createTestDatabase();
  const missing = join(tmpdir(), `kg-no-data-${process.pid}`);
  const run = await runWorker({ DATABASE_URL: database.url, DATA_DIR: missing });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `the worker did not start: DATA_DIR ${missing} does not exist (ENOENT): set DATA_DIR to the directory that holds the files workflows read by name (or create it there)\n`,
  );
});
