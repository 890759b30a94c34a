/**
 * Task statistics, the same ones `TaskService.stats` answers, for code that holds only a postgres.js client
 * (a workflow's services in a worker thread).
 *
 * @example
 * const stats = await windowStats(sql, owner, { from, to });
 */
export { type DurationStats, type TaskWindowStats, windowStats } from './window-stats.ts';
