import type { Connection } from '@kaygraph/db';
import { generateApiKey } from './api-key.ts';

type Sql = Connection['sql'];

/** An API key as operators see it (never the secret, never the hash). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  owner: string;
  prefix: string;
  admin: boolean;
  /** Submissions per minute; null: the service default (RATE_LIMIT_PER_MINUTE). */
  rate_limit_per_minute: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** What the auth layer needs of a key found by its hash. */
export interface ActiveApiKey {
  id: string;
  owner: string;
  admin: boolean;
  rateLimitPerMinute: number | null;
}

export interface CreateApiKeyInput {
  name: string;
  /** Whose tasks the key acts for; defaults to `name`. */
  owner?: string | undefined;
  admin?: boolean | undefined;
  rateLimitPerMinute?: number | null | undefined;
}

interface KeyRow {
  id: string;
  name: string;
  owner: string;
  prefix: string;
  admin: boolean;
  rate_limit_per_minute: number | null;
  created_at: string | Date;
  last_used_at: string | Date | null;
  revoked_at: string | Date | null;
}

/** The drizzle-configured client returns timestamps as text, a plain one as Date: accept both. */
function isoOf(value: string | Date): string {
  return new Date(value).toISOString();
}

function recordOf(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    owner: row.owner,
    prefix: row.prefix,
    admin: row.admin,
    rate_limit_per_minute: row.rate_limit_per_minute,
    created_at: isoOf(row.created_at),
    last_used_at: row.last_used_at === null ? null : isoOf(row.last_used_at),
    revoked_at: row.revoked_at === null ? null : isoOf(row.revoked_at),
  };
}

const COLUMNS = 'id, name, owner, prefix, admin, rate_limit_per_minute, created_at, last_used_at, revoked_at';

/**
 * Stores a new key (hashed) and returns its secret, which exists nowhere else afterwards.
 *
 * @example const { key } = await createApiKey(sql, { name: 'alice' });
 */
export async function createApiKey(
  sql: Sql,
  input: CreateApiKeyInput,
): Promise<{ key: string; record: ApiKeyRecord }> {
  const name = input.name.trim();
  const owner = (input.owner ?? name).trim();
  if (!name) throw new Error('an API key needs a name');
  if (!owner) throw new Error('an API key needs an owner');
  const generated = generateApiKey();
  const [row] = await sql<KeyRow[]>`
    insert into api_keys (name, owner, key_hash, prefix, admin, rate_limit_per_minute)
    values (${name}, ${owner}, ${generated.hash}, ${generated.prefix}, ${input.admin ?? false},
            ${input.rateLimitPerMinute ?? null})
    returning ${sql.unsafe(COLUMNS)}`;
  if (!row) throw new Error('inserting the API key returned no row');
  return { key: generated.key, record: recordOf(row) };
}

/** Every key, newest first; revoked ones only when asked. */
export async function listApiKeys(
  sql: Sql,
  options: { includeRevoked?: boolean } = {},
): Promise<ApiKeyRecord[]> {
  const rows = options.includeRevoked
    ? await sql<KeyRow[]>`select ${sql.unsafe(COLUMNS)} from api_keys order by created_at desc, id`
    : await sql<KeyRow[]>`
        select ${sql.unsafe(COLUMNS)} from api_keys where revoked_at is null order by created_at desc, id`;
  return rows.map(recordOf);
}

/** NOTIFY channel of revocations (payload: the key id): every api replica closes that key's connections. */
export const API_KEY_REVOKED_CHANNEL = 'kaygraph_api_key_revoked';

/**
 * Revokes the key with this id (key-admin.ts resolves what an operator typed to one). Revoking twice
 * keeps the first revocation time. Undefined when no key has this id.
 */
export async function revokeApiKey(sql: Sql, id: string): Promise<ApiKeyRecord | undefined> {
  // The row and its notification commit together: every replica hears of a revocation that happened.
  const row = await sql.begin(async (tx) => {
    const [updated] = await tx<KeyRow[]>`
      update api_keys set revoked_at = coalesce(revoked_at, now()) where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`;
    if (updated) await tx`select pg_notify(${API_KEY_REVOKED_CHANNEL}, ${updated.id})`;
    return updated;
  });
  return row ? recordOf(row) : undefined;
}

type ActiveKeyRow = { id: string; owner: string; admin: boolean; rate_limit_per_minute: number | null };

function activeKeyOf(row: ActiveKeyRow | undefined): ActiveApiKey | undefined {
  return row
    ? { id: row.id, owner: row.owner, admin: row.admin, rateLimitPerMinute: row.rate_limit_per_minute }
    : undefined;
}

export async function findActiveApiKey(sql: Sql, keyHash: string): Promise<ActiveApiKey | undefined> {
  const [row] = await sql<ActiveKeyRow[]>`
    select id, owner, admin, rate_limit_per_minute from api_keys
    where key_hash = ${keyHash} and revoked_at is null`;
  return activeKeyOf(row);
}

/** The key with this id while it is not revoked (what a stream token names). */
export async function findActiveApiKeyById(sql: Sql, id: string): Promise<ActiveApiKey | undefined> {
  const [row] = await sql<ActiveKeyRow[]>`
    select id, owner, admin, rate_limit_per_minute from api_keys
    where id = ${id}::uuid and revoked_at is null`;
  return activeKeyOf(row);
}

/**
 * Whether a key was ever created on this database, revoked ones included: then the api requires a key
 * on every request for good (revoking the last key must not open it again).
 */
export async function apiKeysEverExisted(sql: Sql): Promise<boolean> {
  const [row] = await sql<{ exists: boolean }[]>`select exists (select 1 from api_keys) as exists`;
  return row?.exists ?? false;
}

/** Which of these key ids are revoked (or gone): after a lost LISTEN connection, what was missed. */
export async function revokedApiKeyIds(sql: Sql, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const active = await sql<{ id: string }[]>`
    select id from api_keys where id = any(${ids}::uuid[]) and revoked_at is null`;
  const still = new Set(active.map((row) => row.id));
  return ids.filter((id) => !still.has(id));
}

export async function markApiKeyUsed(sql: Sql, id: string): Promise<void> {
  await sql`update api_keys set last_used_at = now() where id = ${id}`;
}
