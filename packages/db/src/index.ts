export { type Connection, type ConnectOptions, connect, type Database } from './connect.ts';
export type { EmbeddedPostgresLogger } from './embedded/logger.ts';
export {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from './embedded/start-embedded-postgres.ts';
export type { EmbeddedPostgresState } from './embedded/supervisor.ts';
export { type MigrateOptions, migrate, migrationsApplied, migrationsFolder } from './migrations.ts';
export * as schema from './schema.ts';
export * from './schema.ts';
export { openSession, type Session } from './session.ts';
