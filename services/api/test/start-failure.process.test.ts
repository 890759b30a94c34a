import { mkdtempDisposable, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLimitedRoleDatabase, createTestDatabase, testServerUrl } from '@kaygraph/db/testing';
import { runToExit } from '@kaygraph/tasks/testing';
import { expect, test } from 'vitest';

const STACK_FRAME = /^\s+at /m;

/** Runs the api (`npm start`'s process: api and bundled worker) until it exits; its code and stderr. */
const runApi = (env: Record<string, string>) =>
  runToExit([fileURLToPath(new URL('../src/main.ts', import.meta.url)), '--with-worker'], env);

test('a port already in use stops the api with the address and what to do, in one line', async () => {
  await using database = await createTestDatabase();
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const address = taken.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const run = await runApi({ DATABASE_URL: database.url, PORT: String(port) });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `the api did not start: cannot listen on 127.0.0.1:${port} (EADDRINUSE): another process listens there: stop it, or set PORT to a free port\n`,
    );
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});

test('a DATABASE_URL naming a database that does not exist stops the api saying so, without a stack', async () => {
  await using database = await createTestDatabase();
  const missing = new URL(database.url);
  missing.pathname = `/kg_missing_${process.pid}`;
  const run = await runApi({ DATABASE_URL: missing.href, PORT: '0' });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    new RegExp(
      `^the api did not start: PostgreSQL at ${missing.host}/kg_missing_${process.pid} refused the connection: ` +
        `database "kg_missing_${process.pid}" does not exist \\(3D000\\); create that database, or fix its name`,
    ),
  );
  expect(run.stderr).not.toMatch(STACK_FRAME);
});

test('a DATABASE_URL with a user PostgreSQL does not know stops the api naming the user, without a stack', async () => {
  await using database = await createTestDatabase();
  const stranger = new URL(database.url);
  stranger.username = 'kg_no_such_role';
  stranger.password = 'secret';
  const run = await runApi({ DATABASE_URL: stranger.href, PORT: '0' });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    /^the api did not start: PostgreSQL at .* refused the connection: .*"kg_no_such_role"/,
  );
  expect(run.stderr).toMatch(/check the user/);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toContain('secret');
});

test('PostgreSQL refusing a connection for too many clients stops the api saying so, without a stack', async () => {
  await using limited = await createLimitedRoleDatabase(testServerUrl());
  // Two sessions: enough to migrate, not for the pools and LISTEN sessions of the api and its worker.
  await limited.setConnectionLimit(2);
  const run = await runApi({ DATABASE_URL: limited.url, PORT: '0' });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    new RegExp(
      `^the api did not start: PostgreSQL at .* refused the connection: too many connections for role "${limited.role}" \\(53300\\); `,
    ),
  );
  expect(run.stderr).toMatch(/max_connections/);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
});

test('a misspelt setting stops the api naming the setting it resembles, rather than being ignored', async () => {
  await using database = await createTestDatabase();
  const run = await runApi({ DATABASE_URL: database.url, PORT: '0', AUTH_REQUIRD: 'true' });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    'the api did not start: invalid environment:\n' +
      '  AUTH_REQUIRD: not a setting of this service; did you mean AUTH_REQUIRED? (rename or unset it)\n',
  );
});

test('a DATA_DIR where the embedded PostgreSQL cannot keep its data stops the api naming the path, without a stack', async () => {
  await using scratch = await mkdtempDisposable(join(tmpdir(), 'kg-data-dir-'));
  // A file where DATA_DIR's parent should be: the directory cannot be created.
  const blocker = join(scratch.path, 'not-a-directory');
  await writeFile(blocker, '');
  const dataDir = join(blocker, 'data');
  const run = await runToExit([fileURLToPath(new URL('../src/main.ts', import.meta.url))], {
    DATA_DIR: dataDir,
    PORT: '0',
  });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `the api did not start: DATA_DIR ${dataDir} has a file, not a directory, in its path (ENOTDIR), and the embedded PostgreSQL keeps its data there: ` +
      'set DATA_DIR to a directory this user may create and write (it also holds the files workflows read by name), or set DATABASE_URL\n',
  );
});
