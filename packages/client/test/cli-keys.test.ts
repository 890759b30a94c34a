import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kaygraph, kaygraphProcess, parseJson } from './cli-helpers.ts';

/**
 * `kaygraph keys ...` writes the database (the operator's path); the keys it makes are what the
 * api then requires, with owner isolation and admin keys.
 */
let server: TestServer;
let db: Record<string, string>;

beforeAll(async () => {
  // A short auth cache, so the first key and revocations take effect without a long wait.
  server = await startTestServer({ operations: { authCacheMs: 50 } });
  db = { DATABASE_URL: server.databaseUrl };
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

interface KeyJson {
  id: string;
  name: string;
  owner: string;
  admin: boolean;
  prefix: string;
  key?: string;
  revoked_at: string | null;
}

async function createKey(args: string[]): Promise<KeyJson> {
  const run = await kaygraph(['keys', 'create', ...args, '--json'], db);
  expect(run.code).toBe(0);
  return parseJson<KeyJson>(run.stdout);
}

describe('kaygraph keys', () => {
  test('create prints the secret once; list never shows it; the api then requires a key', async () => {
    // The real bin, in its own process.
    const human = await kaygraphProcess(['keys', 'create', '--name', 'alice'], db);
    expect(human.code).toBe(0);
    const aliceKey = human.stdout.trim();
    expect(aliceKey).toMatch(/^kg_[\w-]{40,}$/);
    expect(human.stderr).toContain('shown only now');

    const admin = await createKey(['--name', 'ops', '--admin']);
    expect(admin).toMatchObject({ name: 'ops', owner: 'ops', admin: true, revoked_at: null });

    const listed = await kaygraph(['keys', 'list', '--json'], db);
    const keys = parseJson<KeyJson[]>(listed.stdout);
    expect(keys.map((key) => key.name).sort()).toEqual(['alice', 'ops']);
    expect(listed.stdout).not.toContain(aliceKey);
    expect(listed.stdout).not.toContain(admin.key);
    const table = await kaygraph(['keys', 'list'], db);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+OWNER\s+PREFIX\s+ADMIN/);

    const api = { KAYGRAPH_URL: server.url };
    // Auth turns on once a key exists (after the api's short cache of that decision).
    let anonymous = await kaygraph(['list'], api);
    while (anonymous.code === 0) anonymous = await kaygraph(['list'], api);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('UNAUTHORIZED');
    expect(anonymous.stderr).toContain('hint: pass --api-key or set KAYGRAPH_API_KEY');

    const bob = await createKey(['--name', 'bob-laptop', '--owner', 'bob']);
    const submit = await kaygraph(
      ['submit', 'echo', '--params', '{"value": "a"}', '--api-key', aliceKey],
      api,
    );
    expect(submit.code).toBe(0);
    const taskId = submit.stdout.trim();

    const asBob = await kaygraph(['status', taskId], { ...api, KAYGRAPH_API_KEY: bob.key ?? '' });
    expect(asBob.code).toBe(1);
    expect(asBob.stderr).toContain('NOT_FOUND');
    const cancelAsBob = await kaygraph(['cancel', taskId], { ...api, KAYGRAPH_API_KEY: bob.key ?? '' });
    expect(cancelAsBob.stderr).toContain('NOT_FOUND');
    const asAdmin = await kaygraph(['status', taskId, '--json'], {
      ...api,
      KAYGRAPH_API_KEY: admin.key ?? '',
    });
    expect(asAdmin.code).toBe(0);
    expect(parseJson(asAdmin.stdout)).toMatchObject({ task_id: taskId, workflow: 'echo' });
    const watched = await kaygraph(['watch', taskId, '--api-key', aliceKey], api);
    expect(watched.code).toBe(0);
  });

  test('revoke by id: the key is refused from then on and listed as revoked', async () => {
    const key = await createKey(['--name', 'temporary']);
    const api = { KAYGRAPH_URL: server.url, KAYGRAPH_API_KEY: key.key ?? '' };
    expect((await kaygraph(['list'], api)).code).toBe(0);

    const revoked = await kaygraph(['keys', 'revoke', key.id], db);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${key.id} "temporary"`);
    let refused = await kaygraph(['list'], api);
    while (refused.code === 0) refused = await kaygraph(['list'], api);
    expect(refused.stderr).toContain('invalid or revoked API key');

    const all = parseJson<KeyJson[]>((await kaygraph(['keys', 'list', '--all', '--json'], db)).stdout);
    expect(all.find((entry) => entry.id === key.id)?.revoked_at).not.toBeNull();
    const active = parseJson<KeyJson[]>((await kaygraph(['keys', 'list', '--json'], db)).stdout);
    expect(active.find((entry) => entry.id === key.id)).toBeUndefined();
  });

  test('without a database URL, or for an unknown key, it says what is wrong', async () => {
    const noDatabase = await kaygraph(['keys', 'list']);
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toContain('pass --database-url or set DATABASE_URL');
    const unknown = await kaygraph([
      'keys',
      'revoke',
      '00000000-0000-4000-8000-000000000000',
      '--database-url',
      server.databaseUrl,
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: no key 00000000-0000-4000-8000-000000000000');
  });
});
