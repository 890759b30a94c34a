import { createHash } from 'node:crypto';
import { chown, lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmbeddedPostgresLogger } from './logger.ts';
import { firstClosedParent, type RunAs } from './unprivileged-account.ts';

/** Durable across reboots (unlike /tmp) and open to every account. */
export const DEFAULT_REACHABLE_ROOT = '/var/tmp';

/**
 * The data dir postgres will use. As root, postgres runs as an unprivileged account; when that account
 * cannot reach the requested dir (a checkout under root's 0700 home), the data lives in
 * `<root>/kaygraph-<hash of the requested path>/postgres` instead: one dir per checkout, owned by the
 * account, kept across restarts. The choice is logged; the returned path is `EmbeddedPostgres.dataDir`.
 */
export async function reachableDataDir(
  requested: string,
  runAs: RunAs | undefined,
  logger: EmbeddedPostgresLogger,
  root: string = DEFAULT_REACHABLE_ROOT,
): Promise<string> {
  if (!runAs) return requested;
  const closed = await firstClosedParent(requested, runAs);
  if (!closed) return requested;
  const hash = createHash('sha256').update(requested).digest('hex').slice(0, 16);
  const home = join(root, `kaygraph-${hash}`);
  await mkdir(home, { recursive: true, mode: 0o700 });
  // The root is world-writable: use the dir only if it is ours or the account's, never a planted link.
  const info = await lstat(home);
  if (!info.isDirectory() || (info.uid !== 0 && info.uid !== runAs.uid)) {
    throw new Error(`${home} exists and belongs to uid ${info.uid}; remove it or set DATA_DIR elsewhere`);
  }
  await chown(home, runAs.uid, runAs.gid);
  const dataDir = join(home, 'postgres');
  logger.warn(
    { requested, dataDir, closed: closed.dir },
    `PostgreSQL runs as uid ${runAs.uid}, which cannot enter ${closed.dir}: its data lives in ${dataDir}`,
  );
  return dataDir;
}
