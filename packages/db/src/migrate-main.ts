/**
 * One-shot migration: applies the committed drizzle/ migrations to DATABASE_URL and exits 0, or prints why
 * not and exits 1. The `migrate` service of docker-compose.yml and the k8s Job run it before api and workers.
 *
 * @example
 * DATABASE_URL=postgres://kaygraph:kaygraph@localhost:5432/kaygraph node packages/db/src/migrate-main.ts
 */
import { migrate } from '@kaygraph/db';
import { loadMigrateEnv } from './migrate-env.ts';

/** One JSON log line on stdout, as the services write them. */
function log(level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, msg, ...fields, time: Date.now() })}\n`);
}

try {
  const { databaseUrl } = loadMigrateEnv();
  let applied = 0;
  await migrate(databaseUrl, {
    onWaitForOtherMigration: () =>
      log('info', 'another process is applying database migrations; waiting for it to finish'),
    onApplying: (count) => {
      applied = count;
      log('info', 'applying database migrations', { migrations: count });
    },
    onLockTimeout: (tries) =>
      log('warn', 'migration waits for a table lock another transaction holds; trying again', { tries }),
  });
  log('info', 'migrations applied', { migrations: applied });
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'migration failed', error: message })}\n`);
  process.exitCode = 1;
}
