import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { expect } from 'vitest';
import {
  type ApiKeyRecord,
  type CreateApiKeyInput,
  createApiKey,
  revokeApiKey,
} from '../src/auth/key-store.ts';
import { requestJson } from './http-helpers.ts';

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

/** POST /tasks with `key` (none: no Authorization header); expects 202 and returns the task id. */
export async function submitWithKey(
  serverUrl: string,
  key: string | undefined,
  body: unknown,
): Promise<string> {
  const answer = await requestJson(`${serverUrl}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify(body),
  });
  expect(answer.status).toBe(202);
  return (answer.body as SubmitTaskOutput).task_id;
}
