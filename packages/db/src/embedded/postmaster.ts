import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import postgres from 'postgres';
import type { PostgresBinaries } from './binaries.ts';
import type { EmbeddedPostgresLogger } from './logger.ts';
import type { RunAs } from './unprivileged-account.ts';

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 30_000;

/** One postgres process of a data dir, spawned detached. */
export interface RunningPostmaster {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<void>;
}

export interface PostmasterSpec {
  binaries: PostgresBinaries;
  dataDir: string;
  /** `-c` settings. */
  settings: string[];
  runAs: RunAs | undefined;
  logger: EmbeddedPostgresLogger;
}

export interface StartOptions {
  /** Default: a free port (retried when another program takes it first). */
  port?: number;
  /** Keep the server log of the previous run (a restart after a crash); default: start a new log. */
  appendLog?: boolean;
}

/** Starts postgres and waits until it accepts connections. */
export async function startPostmaster(
  spec: PostmasterSpec,
  options: StartOptions = {},
): Promise<RunningPostmaster> {
  const { port, appendLog = false } = options;
  for (let attempt = 1; ; attempt++) {
    const chosen = port ?? (await freePort());
    try {
      return await spawnPostmaster(spec, chosen, appendLog);
    } catch (error) {
      const portTaken =
        error instanceof Error && /could not (bind|create listen socket)/i.test(error.message);
      if (port !== undefined || !portTaken || attempt >= 3) throw error;
      spec.logger.warn({ port: chosen }, 'port taken before PostgreSQL bound it, retrying with another');
    }
  }
}

async function spawnPostmaster(
  spec: PostmasterSpec,
  port: number,
  appendLog: boolean,
): Promise<RunningPostmaster> {
  const { binaries, dataDir, settings, runAs } = spec;
  // The server log goes to a file, not a pipe: the detached server outlives us after a SIGKILL.
  const logFile = join(dataDir, 'postgres.log');
  const logFd = openSync(logFile, appendLog ? 'a' : 'w');
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
  const logStart = await readFile(logFile, 'utf8').then(
    (log) => log.length,
    () => 0,
  );
  const failure = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', async (code, signal) => {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      reject(
        new Error(
          `PostgreSQL exited during start-up (${code ?? signal}):\n${log.slice(logStart).slice(-2000)}`,
        ),
      );
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
  return { child, pid: child.pid ?? -1, port, exited };
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

/** Fast shutdown (SIGINT), then SIGQUIT if it does not stop in time; waits for the exit. */
export async function stopPostmaster(
  server: RunningPostmaster,
  logger: EmbeddedPostgresLogger,
): Promise<void> {
  const { child, exited } = server;
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
