import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessAlive } from '../embedded/child-process.ts';
import { silentLogger } from '../embedded/logger.ts';
import { stopStalePostmaster } from '../embedded/stale-postmaster.ts';
import { startEmbeddedPostgres } from '../embedded/start-embedded-postgres.ts';

const RUN_DIR_PREFIX = 'kaygraph-test-pg-';
const OWNER_FILE = 'owner.pid';

export interface EmbeddedTestServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * A throw-away embedded PostgreSQL for one test run, in its own temp dir, without fsync. The dir records
 * the pid of the run that owns it, so the next run stops and removes servers of runs that were killed
 * before their teardown (the server is detached and would otherwise live on).
 */
export async function startEmbeddedTestServer(): Promise<EmbeddedTestServer> {
  await removeAbandonedRuns();
  const runDir = await mkdtemp(join(tmpdir(), RUN_DIR_PREFIX));
  // mkdtemp makes it 0700; postgres may run as `nobody` and has to pass through to its data dir.
  await chmod(runDir, 0o755);
  await writeFile(join(runDir, OWNER_FILE), String(process.pid));
  const dataDir = join(runDir, 'data');
  const remove = () => rm(runDir, { recursive: true, force: true });
  try {
    const server = await startEmbeddedPostgres({ dataDir, fsync: false });
    return {
      url: server.url,
      async stop() {
        await server.stop();
        await remove();
      },
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** A run dir without an owner file is either just being set up or was abandoned long ago. */
async function isRecent(runDir: string): Promise<boolean> {
  const info = await stat(runDir).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs < 60 * 60 * 1000;
}

async function removeAbandonedRuns(): Promise<void> {
  const root = tmpdir();
  const runDirs = (await readdir(root)).filter((name) => name.startsWith(RUN_DIR_PREFIX));
  for (const name of runDirs) {
    const runDir = join(root, name);
    const owner = Number.parseInt(await readFile(join(runDir, OWNER_FILE), 'utf8').catch(() => ''), 10);
    if (Number.isInteger(owner) ? isProcessAlive(owner) : await isRecent(runDir)) continue;
    try {
      await stopStalePostmaster(join(runDir, 'data'), silentLogger);
      await rm(runDir, { recursive: true, force: true });
    } catch {
      // Another run may be cleaning the same dir; whatever is left is retried next time.
    }
  }
}
