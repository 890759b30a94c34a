/**
 * The environment of the one-shot migration (`migrate-main.ts`): only the database URL. The one module of
 * the migration that reads `process.env`, as each service's env.ts is for its service.
 */
export interface MigrateEnv {
  databaseUrl: string;
}

/**
 * The URL comes from the first argument when given (`node packages/db/src/migrate-main.ts postgres://...`),
 * else from DATABASE_URL (containers, jobs). Throws a message that says what to set.
 */
export function loadMigrateEnv(
  argv: readonly string[] = process.argv.slice(2),
  source: NodeJS.ProcessEnv = process.env,
): MigrateEnv {
  const databaseUrl = argv[0] ?? source.DATABASE_URL;
  if (!databaseUrl) {
    throw new Error(
      'DATABASE_URL is not set: give the PostgreSQL URL to migrate (postgres://user:pass@host/db)',
    );
  }
  let protocol: string;
  try {
    protocol = new URL(databaseUrl).protocol;
  } catch {
    throw new Error('DATABASE_URL is not a URL: expected postgres://user:pass@host:5432/db');
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must be a postgres:// or postgresql:// URL, not ${protocol}//`);
  }
  return { databaseUrl };
}
