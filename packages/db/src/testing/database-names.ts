import { randomBytes } from 'node:crypto';

/** Test databases are `kg_t_<created, base36 seconds>_<random>`, so a later run can tell leftovers by age. */
export const TEST_DATABASE_PREFIX = 'kg_t_';

export function newTestDatabaseName(now: Date = new Date()): string {
  const seconds = Math.floor(now.getTime() / 1000).toString(36);
  return `${TEST_DATABASE_PREFIX}${seconds}_${randomBytes(5).toString('hex')}`;
}

/** When a test database of this name was created, or undefined for names that are not ours. */
export function testDatabaseCreatedAt(name: string): Date | undefined {
  const match = /^kg_t_([0-9a-z]+)_[0-9a-f]+$/.exec(name);
  if (!match?.[1]) return undefined;
  return new Date(Number.parseInt(match[1], 36) * 1000);
}

/** The same server and credentials, another database. */
export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Double-quoted identifier; our names are plain, this keeps a typo from becoming SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
