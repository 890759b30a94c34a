import { request } from 'node:http';
import { createTestDatabase } from '@kaygraph/db/testing';
import { createTaskSystem } from '@kaygraph/tasks';
import { capturingLogger } from '@kaygraph/tasks/testing';
import pino from 'pino';
import { expect, test } from 'vitest';
import { createApiOperations } from '../src/operations.ts';
import { createApiServer } from '../src/server.ts';

/** Sends `path` as it is (Node's fetch would normalize it) and resolves with the status. */
function statusOf(base: string, path: string, headers: Record<string, string> = {}): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sent = request({ hostname, port, path, headers }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    sent.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve(response.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });
}

test('a request URL that cannot be parsed is a 400, and the key in its query never reaches the log', async () => {
  const { logger, lines } = capturingLogger('debug');
  await using database = await createTestDatabase();
  await using system = await createTaskSystem({
    databaseUrl: database.url,
    logger: pino({ level: 'silent' }),
  });
  await using operations = createApiOperations({ databaseUrl: database.url, logger, feed: system.events });
  await using server = await createApiServer({
    workflows: system.workflows,
    ready: () => system.ready(),
    logger,
    port: 0,
    ...operations.serverOptions(system.tasks),
  });
  const upgrade = {
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
  };

  expect(await statusOf(server.url, 'http://[x/tasks?api_key=kg_never-logged-1')).toBe(400);
  expect(await statusOf(server.url, 'http://[x/ws/1?api_key=kg_never-logged-2', upgrade)).toBe(400);
  // A target starting with "/" is a path, its first segment empty here, not a host: no route.
  expect(await statusOf(server.url, '//[x/tasks?api_key=kg_never-logged-3')).toBe(404);
  const logged = JSON.stringify(lines);
  expect(logged).toContain('"status":400');
  expect(logged).not.toContain('never-logged');
});
