import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The database the embedded PostgreSQL serves (startEmbeddedPostgres's default). */
export const EMBEDDED_DATABASE = 'kaygraph';

/** Where the api keeps its embedded PostgreSQL when DATABASE_URL is unset. */
export function embeddedDataDir(dataDir: string): string {
  return resolve(join(dataDir, 'postgres'));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another account (PostgreSQL runs unprivileged when we are root).
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The URL of the embedded PostgreSQL that runs on this data dir (an `npm start` of this checkout),
 * read from its `postmaster.pid` (line 1 the pid, line 4 the port); undefined when none runs.
 */
export async function runningEmbeddedUrl(postgresDataDir: string): Promise<string | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(join(postgresDataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port) || !isAlive(pid)) return undefined;
  return `postgres://postgres@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
}
