import { windowStats } from '@kaygraph/tasks/stats';
import type postgres from 'postgres';
import type { TaskStatsSource } from './types.ts';

/** Task statistics of one owner over a window of creation times, as the task package computes them. */
export function createPostgresTaskStats(sql: postgres.Sql, owner: string): TaskStatsSource {
  return { stats: (window) => windowStats(sql, owner, window) };
}
