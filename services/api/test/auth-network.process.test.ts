import { execFile } from 'node:child_process';
import { delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, test } from 'vitest';
import { startApiProcess } from './api-process.ts';
import { bearer, openKeyStore } from './auth-keys.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const submit = (url: string) =>
  fetch(`${url}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workflow: 'echo', params: { message: 'hi' } }),
  });

test('on a non-loopback HOST with no key the api answers 401 and says how to make the first key', async () => {
  await using database = await createTestDatabase();
  await using api = await startApiProcess(database.url, { HOST: '0.0.0.0' });
  expect((await fetch(`${api.url}/tasks`)).status).toBe(401);
  const refused = await submit(api.url);
  expect(refused.status).toBe(401);
  expect(await refused.json()).toMatchObject({ code: 'UNAUTHORIZED' });
  expect((await fetch(`${api.url}/health`)).status).toBe(200);
  expect(api.output()).toContain('REFUSING ANONYMOUS REQUESTS');
  expect(api.output()).toContain('npm run keys -- create --name admin --admin');
});

test('ALLOW_ANONYMOUS=true is the explicit opt-in to serve a network bind without keys', async () => {
  await using database = await createTestDatabase();
  await using api = await startApiProcess(database.url, { HOST: '0.0.0.0', ALLOW_ANONYMOUS: 'true' });
  expect((await fetch(`${api.url}/tasks`)).status).toBe(200);
  expect(api.output()).toContain('RUNNING OPEN');
});

test('once a key exists, the network bind serves that key and the log says auth is on', async () => {
  await using database = await createTestDatabase();
  await using store = openKeyStore(database.url);
  const { key } = await store.create('admin', { admin: true });
  await using api = await startApiProcess(database.url, { HOST: '0.0.0.0' });
  expect((await fetch(`${api.url}/tasks`, { headers: bearer(key) })).status).toBe(200);
  expect((await fetch(`${api.url}/tasks`)).status).toBe(401);
  expect(api.output()).toContain('authentication is on');
  expect(api.output()).not.toContain('REFUSING ANONYMOUS REQUESTS');
});

test('the first-key command an open api prints runs as printed in the checkout, whatever Node the machine has', async () => {
  await using database = await createTestDatabase();
  await using api = await startApiProcess(database.url);
  // The warning is a log line on stdout, the url that started the test on stderr: either may come first.
  const firstKey = () => /Create a key \(([^)]+)\)/.exec(api.output())?.[1];
  while (!firstKey()) await new Promise((resolve) => setTimeout(resolve, 20));
  const command = firstKey() ?? '';
  // The machine's own PATH: the repository's pinned Node (node_modules/.bin) is not on a newcomer's.
  const PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !dir.includes('node_modules'))
    .join(delimiter);
  const ran = await new Promise<{ code: number; output: string }>((resolve) =>
    execFile(
      'sh',
      ['-c', command],
      { cwd: ROOT, env: { ...process.env, PATH, DATABASE_URL: database.url } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` }),
    ),
  );
  expect(ran.code, ran.output).toBe(0);
  expect(ran.output).toMatch(/created admin key/);
  // Another process created the key: an open api hears of it within its cache time (AuthMode, 2 s).
  let status = (await fetch(`${api.url}/tasks`)).status;
  while (status === 200) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = (await fetch(`${api.url}/tasks`)).status;
  }
  expect(status).toBe(401);
});
