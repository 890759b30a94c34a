/** CPU time of processes from /proc (user + system), and the PostgreSQL backends serving one database. */
import { readFile } from 'node:fs/promises';
import type postgres from 'postgres';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds (user + system) a process has used so far; 0 once it is gone. */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** The CPU milliseconds of several processes, summed. */
export async function cpuMsOfAll(pids: Iterable<number>): Promise<number> {
  const each = await Promise.all([...pids].map(cpuMsOf));
  return each.reduce((sum, ms) => sum + ms, 0);
}

/** The backends connected to `database`, except the one `monitor` itself uses. */
export async function backendPids(monitor: postgres.Sql, database: string): Promise<Set<number>> {
  const rows = await monitor<{ pid: number }[]>`
    select pid from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
  return new Set(rows.map((row) => row.pid));
}

/** Measures what `pids` (read at the start and again at the end: a new one counts whole) spend in `run`. */
export async function cpuDuring<T>(
  pids: () => Promise<Set<number>>,
  run: () => Promise<T>,
): Promise<{ result: T; cpuMs: number }> {
  const before = await pids();
  const startMs = new Map(
    await Promise.all([...before].map(async (pid) => [pid, await cpuMsOf(pid)] as const)),
  );
  const result = await run();
  const after = await pids();
  let cpuMs = 0;
  for (const pid of new Set([...before, ...after])) {
    // A process gone meanwhile reads 0: what it spent is lost rather than counted negative.
    cpuMs += Math.max(0, (await cpuMsOf(pid)) - (startMs.get(pid) ?? 0));
  }
  return { result, cpuMs };
}
