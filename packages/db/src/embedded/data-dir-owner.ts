import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { isProcessAlive } from './child-process.ts';

/**
 * Who runs the server of a data dir: written beside it, hidden (`.<name>.owner.json`), so a folder that also
 * holds a workflow's input files (DATA_DIR) does not list it; removed by stop().
 */
interface OwnerRecord {
  pid: number;
  /** The process's start time (Linux): a pid reused by another program is not the owner. */
  startTime?: string;
  port?: number;
}

export interface DataDirClaim {
  /** Records the port once the server listens, for the message a second starter gets. */
  recordPort(port: number): Promise<void>;
  /** Drops the claim if it is still ours. */
  release(): Promise<void>;
}

/**
 * Claims a data dir for this process before anything touches its server (a claim under the name
 * earlier versions used, `<dataDir>.owner.json`, counts too). A live owner (another
 * `npm start` of the same checkout) is refused with its pid and port, so its server is never stopped
 * under it; the claim of a dead owner (SIGKILLed) is stale and replaced, and its orphaned server is then
 * stopped as before.
 */
export async function claimDataDir(dataDir: string): Promise<DataDirClaim> {
  const file = join(dirname(dataDir), `.${basename(dataDir)}.owner.json`);
  await refuseLiveOwner(dataDir, `${dataDir}.owner.json`);
  const record: OwnerRecord = { pid: process.pid, startTime: await processStartTime(process.pid) };
  for (let attempt = 1; ; attempt++) {
    try {
      // wx: exactly one of two processes starting at once creates the claim.
      await writeFile(file, JSON.stringify(record), { flag: 'wx' });
      return ownedClaim(file, record);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    await refuseLiveOwner(dataDir, file);
  }
}

/** Refuses a claim in `file` whose process still runs; removes one whose process is gone. */
async function refuseLiveOwner(dataDir: string, file: string): Promise<void> {
  const owner = await readOwner(file);
  if (owner && (await isRunning(owner))) {
    const port = owner.port === undefined ? 'still starting' : `port ${owner.port}`;
    throw new Error(
      `The embedded PostgreSQL of ${dataDir} belongs to a running process (pid ${owner.pid}, ${port}). ` +
        'Stop that process first, or give this one another DATA_DIR (or a DATABASE_URL).',
    );
  }
  await rm(file, { force: true });
}

function ownedClaim(file: string, record: OwnerRecord): DataDirClaim {
  return {
    async recordPort(port) {
      await writeFile(file, JSON.stringify({ ...record, port }));
    },
    async release() {
      const owner = await readOwner(file);
      if (owner?.pid === record.pid && owner.startTime === record.startTime) await rm(file, { force: true });
    },
  };
}

async function readOwner(file: string): Promise<OwnerRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<OwnerRecord>;
    return typeof parsed.pid === 'number' ? (parsed as OwnerRecord) : undefined;
  } catch {
    return undefined;
  }
}

async function isRunning(owner: OwnerRecord): Promise<boolean> {
  if (!isProcessAlive(owner.pid)) return false;
  const startTime = await processStartTime(owner.pid);
  return owner.startTime === undefined || startTime === undefined || startTime === owner.startTime;
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot); undefined without procfs. */
async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
