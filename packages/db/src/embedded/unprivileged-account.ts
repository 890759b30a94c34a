import { readFileSync } from 'node:fs';
import { chown, lstat, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** uid/gid for child_process.spawn. */
export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the existing `nobody` account rather than adding
 * users to /etc/passwd. Undefined when not root: then postgres runs as ourselves.
 */
export function unprivilegedAccount(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = readFileSync('/etc/passwd', 'utf8');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === 'nobody' && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error('Running as root and there is no `nobody` account to run PostgreSQL as');
}

/**
 * Gives the data dir to the account: a fresh dir, or one an earlier run left owned by root. A dir the
 * account already owns was filled by postgres itself, so its tree is not walked on every start.
 */
export async function giveDataDirTo(dataDir: string, account: RunAs): Promise<void> {
  const info = await lstat(dataDir);
  if (info.uid === account.uid && info.gid === account.gid) return;
  await chownTree(dataDir, account);
}

async function chownTree(path: string, account: RunAs): Promise<void> {
  const info = await lstat(path);
  if (info.uid !== account.uid || info.gid !== account.gid) await chown(path, account.uid, account.gid);
  if (!info.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), account);
}

/** Every parent directory must let the account through, or postgres cannot reach its data dir. */
export async function assertTraversable(dataDir: string, account: RunAs): Promise<void> {
  const closed = await firstClosedParent(dataDir, account);
  if (closed) {
    throw new Error(
      `PostgreSQL runs as uid ${account.uid}, which cannot enter ${closed.dir} (mode ${closed.mode}); ` +
        'choose a data dir outside it',
    );
  }
}

/** The first existing parent of `path` the account may not enter (a checkout under a 0700 home). */
export async function firstClosedParent(
  path: string,
  account: RunAs,
): Promise<{ dir: string; mode: string } | undefined> {
  let dir = dirname(path);
  for (;;) {
    const info = await stat(dir).catch(() => undefined);
    if (info) {
      const mode =
        info.uid === account.uid ? info.mode >> 6 : info.gid === account.gid ? info.mode >> 3 : info.mode;
      if ((mode & 0o1) === 0) return { dir, mode: (info.mode & 0o777).toString(8) };
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
