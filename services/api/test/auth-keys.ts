import { connect } from '@kaygraph/db';
import {
  type ApiKeyRecord,
  type CreateApiKeyInput,
  createApiKey,
  revokeApiKey,
} from '../src/auth/key-store.ts';

export interface TestKeyStore extends AsyncDisposable {
  /** Creates a key as `kaygraph keys create` does; returns the secret and the key's id. */
  create(name: string, options?: Omit<CreateApiKeyInput, 'name'>): Promise<{ key: string; id: string }>;
  revoke(id: string): Promise<ApiKeyRecord | undefined>;
}

/** API keys written straight to the database (the operator's path), for tests. */
export function openKeyStore(databaseUrl: string): TestKeyStore {
  const connection = connect(databaseUrl, { max: 1 });
  return {
    create: async (name, options = {}) => {
      const { key, record } = await createApiKey(connection.sql, { name, ...options });
      return { key, id: record.id };
    },
    revoke: (id) => revokeApiKey(connection.sql, id),
    [Symbol.asyncDispose]: () => connection.close(),
  };
}

export function bearer(key: string | undefined): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}
