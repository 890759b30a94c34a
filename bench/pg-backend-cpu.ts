/**
 * The CPU time PostgreSQL spends serving one database: the user + system time (process-cpu.ts) of every
 * backend connected to it (pg_stat_activity), except the meter's own session. Backends are listed again on
 * every `sample()`: one that connects meanwhile counts from its start, one that exits counts up to its last
 * sample. The clocks are PostgreSQL's only when it runs on this machine: a pid that is another process here
 * (PostgreSQL in Docker) makes the whole reading "not measurable", as does reading no backend at all.
 */
import type postgres from 'postgres';
import { cpuMsOf } from './process-cpu.ts';

/** CPU milliseconds of the database's backends, by application_name (or backend type when it has none). */
export interface BackendCpu {
  /** NaN when not `measurable`. */
  totalMs: number;
  byApplication: Record<string, number>;
  /** Whether the backends' clocks were read here (false: PostgreSQL runs in a container or elsewhere). */
  measurable: boolean;
}

export interface BackendCpuMeter {
  /** Lists the backends and reads their clocks (call it while the measured work runs, e.g. every 250 ms). */
  sample(): Promise<void>;
  /** A last sample, and the CPU time since the meter started. */
  stop(): Promise<BackendCpu>;
}

/** The command name of a PostgreSQL backend in /proc/<pid>/stat (it retitles argv, not the command). */
const BACKEND_COMMAND = 'postgres';

/** The backends connected to `sql`'s database but its own session, labelled by application (or type). */
export function connectedBackends(sql: postgres.Sql): Promise<{ pid: number; label: string }[]> {
  return sql<{ pid: number; label: string }[]>`
    select pid, coalesce(nullif(application_name, ''), backend_type) as label from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()`;
}

interface Backend {
  label: string;
  startMs: number;
  lastMs: number;
}

/**
 * Starts metering the backends of `sql`'s database (a one-connection client the meter may use alone);
 * `include` leaves out backends that serve something else.
 */
export async function meterBackendCpu(
  sql: postgres.Sql,
  include: (pid: number) => boolean = () => true,
): Promise<BackendCpuMeter> {
  const backends = new Map<number, Backend>();
  let first = true;
  let foreign = false;
  const sample = async () => {
    for (const { pid, label } of await connectedBackends(sql)) {
      if (!include(pid)) continue;
      const ms = cpuMsOf(pid, BACKEND_COMMAND);
      if (Number.isNaN(ms)) {
        // Gone since the listing (it exited), or not a PostgreSQL process of this machine.
        if (!Number.isNaN(cpuMsOf(pid))) foreign = true;
        continue;
      }
      const known = backends.get(pid);
      if (known) known.lastMs = ms;
      // A backend seen after the first sample connected during the work: all of its time counts.
      else backends.set(pid, { label, startMs: first ? ms : 0, lastMs: ms });
    }
    first = false;
  };
  await sample();
  return {
    sample,
    async stop() {
      await sample();
      if (backends.size === 0 || foreign)
        return { totalMs: Number.NaN, byApplication: {}, measurable: false };
      const byApplication: Record<string, number> = {};
      let totalMs = 0;
      for (const backend of backends.values()) {
        const ms = backend.lastMs - backend.startMs;
        byApplication[backend.label] = (byApplication[backend.label] ?? 0) + ms;
        totalMs += ms;
      }
      return { totalMs, byApplication, measurable: true };
    },
  };
}
