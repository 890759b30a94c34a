import { request } from 'node:http';
import { createTestDatabase } from '@kaygraph/db/testing';
import { expect, test } from 'vitest';
import { startApiProcess } from './api-process.ts';

/** A chunked POST (no Content-Length) of `bytes` JSON bytes; resolves with the status, or 'reset'. */
function postChunked(url: string, bytes: number): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request(`${url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve('reset'));
    const chunk = Buffer.alloc(64 * 1024, 'a');
    req.write('{"workflow":"echo","params":{"value":"');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end('"}}');
    };
    pump();
  });
}

test('a chunked POST over BODY_LIMIT_BYTES answers 413 and the api process keeps serving', async () => {
  await using database = await createTestDatabase();
  await using api = await startApiProcess(database.url, { BODY_LIMIT_BYTES: '4096' });
  for (let i = 0; i < 3; i++) {
    const status = await postChunked(api.url, 1024 * 1024);
    expect([413, 'reset']).toContain(status);
  }
  const health = await fetch(`${api.url}/health`);
  expect(health.status, api.output()).toBe(200);
  expect(api.child.exitCode, api.output()).toBeNull();
  expect(api.output()).not.toMatch(/TypeError/);
});
