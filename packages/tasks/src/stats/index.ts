/**
 * Task statistics, the same ones `TaskService.metrics` and `TaskService.stats` answer, for code that holds
 * only a postgres.js client (the api's metrics, a workflow's services in a worker thread).
 *
 * @example
 * const snapshot = await metricsSnapshot(sql, { owner: null, windowSeconds: 3600 });
 */
export { metricsSnapshot } from './metrics-snapshot.ts';
export { type DurationStats, type TaskWindowStats, windowStats } from './window-stats.ts';
