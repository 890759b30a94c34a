import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { newTestDatabaseName, quoteIdent, withDatabase } from './database-names.ts';

export interface LimitedRoleDatabase extends AsyncDisposable {
  /** postgres:// URL of the database, as the limited role (with its password). */
  url: string;
  /** The role's name, as PostgreSQL's messages quote it. */
  role: string;
  /** `ALTER ROLE ... CONNECTION LIMIT n`: the sessions the role may hold at once from now on. */
  setConnectionLimit(limit: number): Promise<void>;
}

/**
 * An empty database owned by a login role of its own whose sessions PostgreSQL caps (CONNECTION LIMIT),
 * for tests of what a process does when the server has no connection left for it (SQLSTATE 53300, as
 * with max_connections, which superusers partly escape). The role may open `connectionLimit` sessions
 * (unlimited when not given); database and role are dropped on dispose.
 *
 * @example
 * await using limited = await createLimitedRoleDatabase(testServerUrl());
 * await limited.setConnectionLimit(1);
 */
export async function createLimitedRoleDatabase(
  serverUrl: string,
  options: { connectionLimit?: number } = {},
): Promise<LimitedRoleDatabase> {
  const database = newTestDatabaseName();
  const role = `${database}_role`;
  const password = randomBytes(12).toString('hex');
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const limit = (value: number | undefined) => String(value ?? -1);
  try {
    await admin.unsafe(
      `create role ${quoteIdent(role)} login password '${password}' connection limit ${limit(options.connectionLimit)}`,
    );
    await admin.unsafe(
      `create database ${quoteIdent(database)} owner ${quoteIdent(role)} template template0`,
    );
  } catch (error) {
    await admin.end({ timeout: 5 });
    throw error;
  }
  const url = new URL(withDatabase(serverUrl, database));
  url.username = role;
  url.password = password;
  return {
    url: url.href,
    role,
    async setConnectionLimit(value) {
      await admin.unsafe(`alter role ${quoteIdent(role)} connection limit ${limit(value)}`);
    },
    async [Symbol.asyncDispose]() {
      try {
        await admin.unsafe(`drop database if exists ${quoteIdent(database)} with (force)`);
        await admin.unsafe(`drop role if exists ${quoteIdent(role)}`);
      } finally {
        await admin.end({ timeout: 5 });
      }
    },
  };
}
