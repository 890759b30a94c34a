import { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';

export interface BossOptions {
  databaseUrl: string;
  logger: Logger;
  /** How often expired and heartbeat-less jobs are failed (retried); one instance per cluster does a pass. */
  superviseIntervalSeconds: number;
  /** Size of pg-boss' own `pg` pool. */
  poolSize: number;
  /** Seconds between cron passes (pg-boss default 30; one instance per cluster runs each pass). */
  scheduleCheckIntervalSeconds?: number;
}

/**
 * pg-boss on its own `pg` pool (never the drizzle-configured postgres.js client: drizzle changes its
 * parsers). Queues are created with `notify: true`, so every insert NOTIFYs the pg-boss channel. Our task
 * dispatcher LISTENs to that channel on the event bus' connection and fetches by itself (see
 * worker/dispatcher.ts for why not `work()`); pg-boss' own listener (`useListenNotify`) serves any
 * `work()` handler other packages register.
 */
export async function startBoss(options: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    application_name: 'kaygraph-pgboss',
    superviseIntervalSeconds: options.superviseIntervalSeconds,
    // Expiry and missed heartbeats are only checked in a queue's monitor pass, which by default runs once a
    // minute: a killed worker's job would wait that long to be retried.
    monitorIntervalSeconds: options.superviseIntervalSeconds,
    // Cron schedules are created by the orchestration layer; every instance may fire them (once per cluster).
    schedule: true,
    ...(options.scheduleCheckIntervalSeconds
      ? {
          cronMonitorIntervalSeconds: options.scheduleCheckIntervalSeconds,
          cronWorkerIntervalSeconds: options.scheduleCheckIntervalSeconds,
        }
      : {}),
    useListenNotify: true,
  });
  boss.on('error', (error: unknown) => options.logger.error({ err: error }, 'pg-boss error'));
  boss.on('warning', (warning: unknown) => options.logger.warn({ warning }, 'pg-boss warning'));
  await boss.start();
  return boss;
}
