/**
 * A PostgreSQL of a test's own (temp data dir, own port), so a test can stop it and start it again on the
 * same port and data while services run against it; the shared test server never goes down.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@kaygraph/db';
import { freePort } from './processes.ts';

export interface PrivatePostgres extends AsyncDisposable {
  /** The database URL; the same across restarts. */
  readonly url: string;
  /** Whether the server is up. */
  readonly running: boolean;
  /** Fast shutdown: every client connection is cut. */
  stop(): Promise<void>;
  /** Starts the server again on the same port and data dir. */
  start(): Promise<void>;
}

export async function startPrivatePostgres(prefix: string): Promise<PrivatePostgres> {
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const port = await freePort();
  const launch = () => startEmbeddedPostgres({ dataDir, port, fsync: false });
  let server: EmbeddedPostgres | undefined = await launch();
  const url = server.url;
  const stop = async () => {
    const current = server;
    server = undefined;
    await current?.stop();
  };
  return {
    url,
    get running() {
      return server !== undefined;
    },
    stop,
    async start() {
      server ??= await launch();
    },
    async [Symbol.asyncDispose]() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
