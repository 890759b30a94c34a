/**
 * One-shot migration: applies the committed drizzle/ migrations to DATABASE_URL and exits 0, or prints why
 * not and exits 1. The `migrate` service of docker-compose.yml and the k8s Job run it before api and workers.
 *
 * @example
 * DATABASE_URL=postgres://kaygraph:kaygraph@localhost:5432/kaygraph node packages/db/src/migrate-main.ts
 */
import { migrate } from '@kaygraph/db';
import { loadMigrateEnv } from './migrate-env.ts';

try {
  const { databaseUrl } = loadMigrateEnv();
  await migrate(databaseUrl, {
    onLockTimeout: (tries) =>
      process.stdout.write(
        `${JSON.stringify({ level: 'warn', msg: 'migration waits for a table lock another transaction holds; trying again', tries, time: Date.now() })}\n`,
      ),
  });
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'migrations applied', time: Date.now() })}\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: 'migration failed', error: message })}\n`);
  process.exitCode = 1;
}
