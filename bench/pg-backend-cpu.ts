/**
 * The CPU time PostgreSQL spends serving one database: the user + system time (/proc/<pid>/stat) of every
 * backend connected to it (pg_stat_activity), except the meter's own session. PostgreSQL runs on this machine
 * in the benchmarks, so its backends' clocks are readable; on another host every reading is 0 and `readable`
 * says so. Backends are listed again on every `sample()`: one that connects meanwhile counts from its start,
 * one that exits counts up to its last sample.
 */
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';

/** CPU milliseconds of the database's backends, by application_name (or backend type when it has none). */
export interface BackendCpu {
  totalMs: number;
  byApplication: Record<string, number>;
  /** Whether any backend's /proc entry could be read (false: PostgreSQL runs elsewhere). */
  readable: boolean;
}

export interface BackendCpuMeter {
  /** Lists the backends and reads their clocks (call it while the measured work runs, e.g. every 250 ms). */
  sample(): Promise<void>;
  /** A last sample, and the CPU time since the meter started. */
  stop(): Promise<BackendCpu>;
}

const TICKS_PER_SECOND = 100;

/**
 * utime + stime of a process in clock ticks, or undefined once it is gone (or not ours to read). Read
 * synchronously: a few microseconds, where a promise of fs/promises costs the measured process four
 * operations on the libuv pool.
 */
function cpuTicks(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command name (which may hold spaces): state is the first, utime the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

interface Backend {
  label: string;
  startTicks: number;
  lastTicks: number;
}

/** Starts metering the backends of `sql`'s database (a one-connection client the meter may use alone). */
export async function meterBackendCpu(sql: postgres.Sql): Promise<BackendCpuMeter> {
  const backends = new Map<number, Backend>();
  let first = true;
  const sample = async () => {
    const rows = await sql<{ pid: number; label: string }[]>`
      select pid, coalesce(nullif(application_name, ''), backend_type) as label from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()`;
    for (const { pid, label } of rows) {
      const ticks = cpuTicks(pid);
      if (ticks === undefined) continue;
      const known = backends.get(pid);
      if (known) known.lastTicks = ticks;
      // A backend seen after the first sample connected during the work: all of its time counts.
      else backends.set(pid, { label, startTicks: first ? ticks : 0, lastTicks: ticks });
    }
    first = false;
  };
  await sample();
  return {
    sample,
    async stop() {
      await sample();
      const byApplication: Record<string, number> = {};
      let totalMs = 0;
      for (const backend of backends.values()) {
        const ms = ((backend.lastTicks - backend.startTicks) * 1000) / TICKS_PER_SECOND;
        byApplication[backend.label] = (byApplication[backend.label] ?? 0) + ms;
        totalMs += ms;
      }
      return { totalMs, byApplication, readable: backends.size > 0 };
    },
  };
}
