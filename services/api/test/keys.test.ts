import { connect } from '@kaygraph/db';
import { describe, expect, test } from 'vitest';
import { bearer } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { type JsonAnswer, requestJson } from './http-helpers.ts';

interface KeyJson {
  id: string;
  name: string;
  owner: string;
  prefix: string;
  admin: boolean;
  key?: string;
  revoked_at: string | null;
}

function send(url: string, method: string, body?: unknown, key?: string): Promise<JsonAnswer> {
  return requestJson(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...bearer(key) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('keys procedures (REST)', () => {
  test('the open api lets the local caller make the first admin key; then keys need an admin key', async () => {
    await using server = await startTestServer({ operations: { authCacheMs: 50 }, worker: false });
    const first = await send(`${server.url}/keys`, 'POST', { name: 'ops', admin: true });
    expect(first.status).toBe(200);
    const admin = first.body as KeyJson;
    expect(admin).toMatchObject({ name: 'ops', owner: 'ops', admin: true, revoked_at: null });
    expect(admin.key).toMatch(/^kg_[\w-]{40,}$/);
    expect(admin.key?.startsWith(admin.prefix)).toBe(true);

    // A key exists now: anonymous callers are refused at once by this api.
    const anonymous = await send(`${server.url}/keys`, 'GET');
    expect(anonymous.status).toBe(401);
    expect((await send(`${server.url}/keys`, 'POST', { name: 'sneaky', admin: true })).status).toBe(401);

    const bob = (await send(`${server.url}/keys`, 'POST', { name: 'bob-laptop', owner: 'bob' }, admin.key))
      .body as KeyJson;
    expect(bob).toMatchObject({ name: 'bob-laptop', owner: 'bob', admin: false });
    const listed = await send(`${server.url}/keys`, 'GET', undefined, admin.key);
    expect(listed.status).toBe(200);
    const items = (listed.body as { items: KeyJson[] }).items;
    expect(items.map((key) => key.name).sort()).toEqual(['bob-laptop', 'ops']);
    expect(JSON.stringify(listed.body)).not.toContain(admin.key);
    expect(JSON.stringify(listed.body)).not.toContain(bob.key);

    // Not an admin: no key management, not even its own.
    const forbidden = await send(`${server.url}/keys`, 'GET', undefined, bob.key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({
      code: 'FORBIDDEN',
      message: 'managing API keys needs an admin key',
    });
    expect((await send(`${server.url}/keys/${bob.id}`, 'DELETE', undefined, bob.key)).status).toBe(403);

    // Revoke by the start of the prefix that GET /keys shows.
    const revoked = await send(
      `${server.url}/keys/${bob.prefix.slice(0, 8)}`,
      'DELETE',
      undefined,
      admin.key,
    );
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: bob.id, name: 'bob-laptop' });
    expect((revoked.body as KeyJson).revoked_at).not.toBeNull();
    while ((await send(`${server.url}/tasks`, 'GET', undefined, bob.key)).status !== 401) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const active = (await send(`${server.url}/keys`, 'GET', undefined, admin.key)).body as {
      items: KeyJson[];
    };
    expect(active.items.map((key) => key.id)).toEqual([admin.id]);
    const all = (await send(`${server.url}/keys?include=all`, 'GET', undefined, admin.key)).body as {
      items: KeyJson[];
    };
    expect(all.items.find((key) => key.id === bob.id)?.revoked_at).not.toBeNull();
  });

  test('bad input is a 400 that stores nothing; unknown, short and ambiguous ids say so', async () => {
    await using server = await startTestServer({ operations: {}, worker: false });
    const noName = await send(`${server.url}/keys`, 'POST', { admin: true });
    expect(noName.status).toBe(400);
    expect(noName.body).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await send(`${server.url}/keys`, 'POST', { name: '  ' })).status).toBe(400);
    expect((await send(`${server.url}/keys`, 'POST', { name: 'x', rate_limit_per_minute: -1 })).status).toBe(
      400,
    );
    expect((await send(`${server.url}/keys`, 'GET')).body).toEqual({ items: [] });

    const admin = (await send(`${server.url}/keys`, 'POST', { name: 'ops', admin: true })).body as KeyJson;

    // Two keys whose prefixes start alike (written directly: generated prefixes never collide).
    const { sql, close } = connect(server.databaseUrl, { max: 1 });
    try {
      await sql`
        insert into api_keys (name, owner, key_hash, prefix)
        values ('one', 'one', 'hash-one', 'kg_sameXYZ1'), ('two', 'two', 'hash-two', 'kg_sameXYZ2')`;
    } finally {
      await close();
    }
    const revoke = (id: string) => send(`${server.url}/keys/${id}`, 'DELETE', undefined, admin.key);
    const unknown = await revoke('00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND' });
    const short = await revoke('kg_s');
    expect(short.status).toBe(404);
    expect((short.body as { message: string }).message).toContain('at least 6 characters');
    const ambiguous = await revoke('kg_sameXYZ');
    expect(ambiguous.status).toBe(409);
    expect((ambiguous.body as { message: string }).message).toContain('2 keys match "kg_sameXYZ"');
    const exact = await revoke('kg_sameXYZ2');
    expect(exact.status).toBe(200);
    expect(exact.body).toMatchObject({ name: 'two' });
  });
});
