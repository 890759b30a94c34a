import { type AddressInfo, connect as connectTcp, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '@kaygraph/db';
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

test('a DATABASE_URL asking for TLS of a server without it stops the worker saying so, not "cannot reach"', async () => {
  await using database = await createTestDatabase();
  await using plain = await withoutTls(new URL(testServerUrl()));
  for (const mode of ['require', 'prefer']) {
    const url = new URL(database.url);
    url.port = String(plain.port);
    url.searchParams.set('sslmode', mode);
    const run = await runWorker({ DATABASE_URL: url.href });
    expect(run.code, mode).toBe(1);
    const why =
      mode === 'prefer'
        ? " (pg-boss's driver, node-postgres, takes sslmode=prefer as a demand for TLS, not as libpq's fallback to a plain connection)"
        : '';
    // node-postgres also warns, on stderr, that it reads prefer as verify-full: our line comes last.
    expect(run.stderr.trimEnd().split('\n').at(-1), mode).toBe(
      `the worker did not start: PostgreSQL at ${url.host}${url.pathname} does not accept TLS connections, and the database URL asks for sslmode=${mode}${why}: ` +
        'turn on ssl in the server (postgresql.conf), or connect without TLS (take sslmode out of the database URL, or set sslmode=disable)',
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
  }
});

/** SSLRequest: a length of 8, then the code 80877103. */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]);

/**
 * The test server as one without TLS (ssl = off) answers, whatever its own setting: a loopback proxy that
 * answers an SSLRequest "N" and passes everything else through.
 */
async function withoutTls(server: URL): Promise<{ port: number } & AsyncDisposable> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    return socket;
  };
  const proxy = createServer((client) => {
    track(client);
    const upstream = track(connectTcp(Number(server.port || 5432), server.hostname));
    const pipeOn = (first: Buffer) => {
      if (first.equals(SSL_REQUEST)) {
        client.write('N');
        client.once('data', pipeOn);
        return;
      }
      upstream.write(first);
      client.pipe(upstream).pipe(client);
    };
    client.once('data', pipeOn);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    port,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

test('a DATA_DIR that is not there stops the worker naming the path, rather than failing every task that reads a file', async () => {
  await using database = await createTestDatabase();
  const missing = join(tmpdir(), `kg-no-data-${process.pid}`);
  const run = await runWorker({ DATABASE_URL: database.url, DATA_DIR: missing });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe(
    `the worker did not start: DATA_DIR ${missing} does not exist (ENOENT): set DATA_DIR to the directory that holds the files workflows read by name (or create it there)\n`,
  );
});
