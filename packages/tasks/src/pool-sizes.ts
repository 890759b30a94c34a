/**
 * Connections a task system opens at most, by pool, unless set (DATABASE_POOL_SIZE, QUEUE_POOL_SIZE): its
 * query pool (`kaygraph-tasks`) and pg-boss' own (`kaygraph-pgboss`).
 */
export const DEFAULT_POOL_SIZE = 10;
export const DEFAULT_QUEUE_POOL_SIZE = 10;
