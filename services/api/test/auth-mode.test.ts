import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { capturingLogger } from '@kaygraph/tasks/testing';
import { describe, expect, test } from 'vitest';
import { createApiKeyAuth } from '../src/auth/api-key-auth.ts';
import { announceAuthMode, chooseListenHost } from '../src/auth/open-mode.ts';
import { bearer, openKeyStore } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { requestJson } from './http-helpers.ts';

describe('when auth is on', () => {
  test('without keys and without AUTH_REQUIRED the api runs open; the first key turns auth on for good', async () => {
    await using server = await startTestServer({ operations: { authCacheMs: 50 }, worker: false });
    const open = await requestJson(`${server.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'echo', params: { value: 'x' } }),
    });
    expect(open.status).toBe(202);
    expect((await requestJson(`${server.url}/tasks`)).status).toBe(200);

    await using store = openKeyStore(server.databaseUrl);
    const { key, id } = await store.create('first');
    while ((await requestJson(`${server.url}/tasks`)).status !== 401) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await requestJson(`${server.url}/tasks`, { headers: bearer(key) })).status).toBe(200);

    // Revoking the last key keeps the api closed, here and on a replica that starts afterwards.
    await store.revoke(id);
    await using replica = await startTestServer({
      databaseUrl: server.databaseUrl,
      operations: { authCacheMs: 50 },
      worker: false,
    });
    for (const url of [server.url, replica.url]) {
      const anonymous = await requestJson(`${url}/tasks`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  test('AUTH_REQUIRED refuses requests without a key even before any key exists', async () => {
    await using server = await startTestServer({ operations: { authRequired: true }, worker: false });
    const answer = await requestJson(`${server.url}/tasks`);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await requestJson(`${server.url}/health`)).status).toBe(200);
  });

  test('a key sent under another scheme, or a wrong one, is refused even when the api is open', async () => {
    await using server = await startTestServer({ operations: {}, worker: false });
    const basic = await requestJson(`${server.url}/tasks`, {
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
    });
    expect(basic.status).toBe(401);
    expect((await requestJson(`${server.url}/tasks`, { headers: bearer('kg_wrong') })).status).toBe(401);
  });
});

describe('the open embedded default', () => {
  test('binds to 127.0.0.1 instead of HOST and says loudly that it runs open', async () => {
    await using database = await createTestDatabase();
    const { sql, close } = connect(database.url, { max: 1 });
    try {
      const { logger, lines } = capturingLogger();
      const { mode } = createApiKeyAuth({ sql, logger, required: false });
      expect(await chooseListenHost({ host: '0.0.0.0', embedded: true, mode, logger })).toBe('127.0.0.1');
      expect(await chooseListenHost({ host: '0.0.0.0', embedded: false, mode, logger })).toBe('0.0.0.0');
      await announceAuthMode({ url: 'http://127.0.0.1:8000', host: '127.0.0.1', mode, logger });
      const warning = lines.find((line) => line.msg.startsWith('RUNNING OPEN'));
      expect(warning?.level).toBe(40);

      await using store = openKeyStore(database.url);
      await store.create('admin', { admin: true });
      mode.invalidate();
      expect(await chooseListenHost({ host: '0.0.0.0', embedded: true, mode, logger })).toBe('0.0.0.0');
      await announceAuthMode({ url: 'http://0.0.0.0:8000', host: '0.0.0.0', mode, logger });
      expect(lines.at(-1)?.msg).toContain('authentication is on');
    } finally {
      await close();
    }
  });
});
