import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { kaygraph, kaygraphProcess, parseJson } from './cli-helpers.ts';

/**
 * `kaygraph keys ...` goes through the api's admin-only `keys` procedures: no database URL, the
 * first key made by the local caller of an open api, then the keys it made are what the api
 * requires, with owner isolation and admin keys.
 */
let server: TestServer;
let api: Record<string, string>;

beforeAll(async () => {
  // A short auth cache, so revocations take effect without a long wait.
  server = await startTestServer({ operations: { authCacheMs: 50 } });
  api = { KAYGRAPH_URL: server.url };
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

let adminKey = '';

async function createKey(args: string[]): Promise<KeyJson> {
  const run = await kaygraph(['keys', 'create', ...args, '--json'], { ...api, KAYGRAPH_API_KEY: adminKey });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return parseJson<KeyJson>(run.stdout);
}

describe('kaygraph keys', () => {
  test('the first key needs no key and no database URL; then the api and keys need keys', async () => {
    // The real bin, in its own process, with nothing but the api's URL.
    const first = await kaygraphProcess(['keys', 'create', '--name', 'me', '--admin'], api);
    expect(first.stderr).toContain('shown only now');
    expect(first.code).toBe(0);
    adminKey = first.stdout.trim();
    expect(adminKey).toMatch(/^kg_[\w-]{40,}$/);

    const anonymous = await kaygraph(['keys', 'list'], api);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('UNAUTHORIZED');
    expect(anonymous.stderr).toContain('npm run keys -- create --name admin --admin');
    expect((await kaygraph(['list'], api)).stderr).toContain('hint: pass --api-key or set KAYGRAPH_API_KEY');

    const alice = await createKey(['--name', 'alice']);
    expect(alice).toMatchObject({ name: 'alice', owner: 'alice', admin: false, revoked_at: null });
    const listed = await kaygraph(['keys', 'list', '--json', '--api-key', adminKey], api);
    const keys = parseJson<KeyJson[]>(listed.stdout);
    expect(keys.map((key) => key.name).sort()).toEqual(['alice', 'me']);
    expect(listed.stdout).not.toContain(adminKey);
    expect(listed.stdout).not.toContain(alice.key);
    const table = await kaygraph(['keys', 'list'], { ...api, KAYGRAPH_API_KEY: adminKey });
    expect(table.stdout).toMatch(/^ID\s+NAME\s+OWNER\s+PREFIX\s+ADMIN/);

    // Only admins manage keys.
    const notAdmin = await kaygraph(['keys', 'create', '--name', 'x'], {
      ...api,
      KAYGRAPH_API_KEY: alice.key ?? '',
    });
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toContain('FORBIDDEN: managing API keys needs an admin key');

    const bob = await createKey(['--name', 'bob-laptop', '--owner', 'bob']);
    const submit = await kaygraph(
      ['submit', 'echo', '--params', '{"value": "a"}', '--api-key', alice.key ?? ''],
      api,
    );
    expect(submit.code).toBe(0);
    const taskId = submit.stdout.trim();

    const asBob = await kaygraph(['status', taskId], { ...api, KAYGRAPH_API_KEY: bob.key ?? '' });
    expect(asBob.code).toBe(1);
    expect(asBob.stderr).toContain('NOT_FOUND');
    const cancelAsBob = await kaygraph(['cancel', taskId], { ...api, KAYGRAPH_API_KEY: bob.key ?? '' });
    expect(cancelAsBob.stderr).toContain('NOT_FOUND');
    const asAdmin = await kaygraph(['status', taskId, '--json'], { ...api, KAYGRAPH_API_KEY: adminKey });
    expect(asAdmin.code).toBe(0);
    expect(parseJson(asAdmin.stdout)).toMatchObject({ task_id: taskId, workflow: 'echo' });
    const watched = await kaygraph(['watch', taskId, '--api-key', alice.key ?? ''], api);
    expect(watched.code).toBe(0);
  });

  test('revoke by the start of the prefix keys list shows, or by id: the key is refused from then on', async () => {
    const admin = { ...api, KAYGRAPH_API_KEY: adminKey };
    const byPrefix = await createKey(['--name', 'temporary']);
    const byId = await createKey(['--name', 'short-lived']);
    const asKey = (key: KeyJson) => ({ ...api, KAYGRAPH_API_KEY: key.key ?? '' });
    expect((await kaygraph(['list'], asKey(byPrefix))).code).toBe(0);

    const revoked = await kaygraph(['keys', 'revoke', byPrefix.prefix.slice(0, 8)], admin);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${byPrefix.id} "temporary"`);
    expect((await kaygraph(['keys', 'revoke', byId.id], admin)).code).toBe(0);
    for (const key of [byPrefix, byId]) {
      let refused = await kaygraph(['list'], asKey(key));
      while (refused.code === 0) refused = await kaygraph(['list'], asKey(key));
      expect(refused.stderr).toContain('invalid or revoked API key');
    }

    const all = parseJson<KeyJson[]>((await kaygraph(['keys', 'list', '--all', '--json'], admin)).stdout);
    expect(all.find((entry) => entry.id === byPrefix.id)?.revoked_at).not.toBeNull();
    const active = parseJson<KeyJson[]>((await kaygraph(['keys', 'list', '--json'], admin)).stdout);
    expect(active.find((entry) => entry.id === byPrefix.id)).toBeUndefined();
  });

  test('an unknown key, a bad rate limit or an unreachable api say what is wrong', async () => {
    const admin = { ...api, KAYGRAPH_API_KEY: adminKey };
    const unknown = await kaygraph(['keys', 'revoke', '00000000-0000-4000-8000-000000000000'], admin);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('NOT_FOUND: no key 00000000-0000-4000-8000-000000000000');
    const badRate = await kaygraph(['keys', 'create', '--name', 'x', '--rate-limit', 'lots'], admin);
    expect(badRate.code).toBe(2);
    expect(badRate.stderr).toContain('--rate-limit must be a whole number');
    const nowhere = await kaygraph(['keys', 'list', '--url', 'http://127.0.0.1:1']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('UNREACHABLE');
  });
});
