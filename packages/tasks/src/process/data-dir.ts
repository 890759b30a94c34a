import { access, constants, mkdir, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';

/** DATA_DIR when unset (WorkerSettingsEnv's default). */
export const DEFAULT_DATA_DIR = '.data';

/** A DATA_DIR the process cannot use; its message names the path and what to change. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Why a path cannot be used, in words, from Node's error code. */
const FILE_SYSTEM_REASONS: Record<string, string> = {
  ENOENT: 'does not exist',
  ENOTDIR: 'has a file, not a directory, in its path',
  EEXIST: 'is a file, not a directory',
  EACCES: 'is not open to this user',
  EPERM: 'is not open to this user',
  EROFS: 'is on a read-only file system',
};

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
  return `${FILE_SYSTEM_REASONS[code] ?? 'cannot be used'} (${code})`;
}

const WHAT_IT_HOLDS = 'the files workflows read by name';

/**
 * The directory workflows read their files from (DATA_DIR), absolute. It is only read: one that is missing,
 * not a directory or not readable stops the start, since a typo or a volume left unmounted would otherwise
 * fail every task that names a file. The default (`.data`) may be missing, as in a fresh checkout: that is
 * logged, and tasks that name a file fail saying where to put it.
 *
 * @example const dataDir = await readableDataDir(env.DATA_DIR, logger); // before the worker starts
 */
export async function readableDataDir(dataDir: string, logger: Logger): Promise<string> {
  const path = resolve(dataDir);
  const refuse = (reason: string, cause?: unknown) =>
    new DataDirError(
      `DATA_DIR ${path} ${reason}: set DATA_DIR to the directory that holds ${WHAT_IT_HOLDS} (or create it there)`,
      { cause },
    );
  try {
    if (!(await stat(path)).isDirectory()) throw refuse('is a file, not a directory');
    await access(path, constants.R_OK | constants.X_OK);
  } catch (error) {
    if (error instanceof DataDirError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && dataDir === DEFAULT_DATA_DIR) {
      logger.warn(
        { dataDir: path },
        `DATA_DIR ${path} (the default) does not exist: workflows can read no files by name until it does; set DATA_DIR to the directory that holds them`,
      );
      return path;
    }
    throw refuse(reasonOf(error), error);
  }
  return path;
}

/**
 * DATA_DIR for a process that keeps the embedded PostgreSQL under it: created when missing (with the
 * default mode, so the unprivileged account PostgreSQL runs as can enter it), and it must be writable.
 */
export async function writableDataDir(dataDir: string): Promise<string> {
  const path = resolve(dataDir);
  try {
    await mkdir(path, { recursive: true });
    await access(path, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new DataDirError(
      `DATA_DIR ${path} ${reasonOf(error)}, and the embedded PostgreSQL keeps its data there: set DATA_DIR to a directory this user may create and write (it also holds ${WHAT_IT_HOLDS}), or set DATABASE_URL`,
      { cause: error },
    );
  }
  return path;
}
