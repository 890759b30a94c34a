import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, runToCompletion, waitForProcessExit } from './child-process.ts';
import type { EmbeddedPostgresLogger } from './logger.ts';

/**
 * After the parent was SIGKILLed, its detached postmaster lives on and holds `postmaster.pid`, so the next
 * start would fail with "lock file already exists". If that pid is a postgres of OUR data dir, shut it
 * down (fast, then immediate); if the pid is gone or was reused by an unrelated program, drop the stale
 * file; a postgres of another data dir with that pid is not ours to touch.
 */
export async function stopStalePostmaster(dataDir: string, logger: EmbeddedPostgresLogger): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  let contents: string;
  try {
    contents = await readFile(pidFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(contents.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) {
    await rm(pidFile, { force: true });
    return;
  }
  const commandLine = await processCommandLine(pid);
  if (commandLine === undefined || !commandLine.includes(dataDir)) {
    if (commandLine?.includes('postgres')) {
      throw new Error(
        `postmaster.pid of ${dataDir} names pid ${pid}, a postgres that is not ours: ${commandLine}`,
      );
    }
    logger.warn({ pid, dataDir }, 'removing a postmaster.pid whose process is gone');
    await rm(pidFile, { force: true });
    return;
  }
  logger.warn({ pid, dataDir }, 'stopping a PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  if (await waitForProcessExit(pid, 15_000)) return;
  process.kill(pid, 'SIGQUIT');
  if (await waitForProcessExit(pid, 5_000)) return;
  throw new Error(`The stale PostgreSQL (pid ${pid}) of ${dataDir} does not stop`);
}

async function processCommandLine(pid: number): Promise<string | undefined> {
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    // No procfs (macOS): ask ps.
    try {
      const result = await runToCompletion('ps', ['-o', 'command=', '-p', String(pid)]);
      return result.code === 0 ? result.output.trim() : undefined;
    } catch {
      return undefined;
    }
  }
}
