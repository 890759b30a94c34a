/**
 * The CPU time a process has used so far, from /proc/<pid>/stat (user + system, every thread). Read
 * synchronously: a few microseconds, where a promise of fs/promises costs the measured process four
 * operations on the libuv pool.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds (user + system) of `pid` so far; NaN when it cannot be read (gone, another machine's)
 * or, with `command`, when the process is not that command (a PostgreSQL in Docker or on another host
 * reports pids that are other processes here, or none).
 */
export function cpuMsOf(pid: number, command?: string): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // The command name sits in parentheses and may hold spaces: fields are counted after the last ')'.
  const close = stat.lastIndexOf(')');
  if (command !== undefined && stat.slice(stat.indexOf('(') + 1, close) !== command) return Number.NaN;
  // State is the first field after it, utime the 12th, stime the 13th.
  const fields = stat.slice(close + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** A CPU figure for a printed table: "n/a" when it could not be measured. */
export function cpuText(ms: number, digits = 0): string {
  return Number.isFinite(ms) ? ms.toFixed(digits) : 'n/a';
}
