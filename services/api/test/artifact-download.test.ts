import { randomBytes } from 'node:crypto';
import type { ErrorBody, SubmitTaskOutput, TaskView } from '@kaygraph/contracts';
import { connect } from '@kaygraph/db';
import { putArtifact } from '@kaygraph/tasks/artifacts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOpenApiDocument } from '../src/openapi.ts';
import { bearer, openKeyStore, submitWithKey } from './auth-keys.ts';
import { startTestServer, type TestServer } from './harness.ts';
import { postJson, readSse, requestJson, type SseMessage } from './http-helpers.ts';
import { checkHeaders, createOpenApiChecker } from './openapi-check.ts';

/**
 * `GET /tasks/{task_id}/artifacts/{name}` of artifacts larger than one read (1 MiB): whole, in ranges, cut
 * by the client, replaced while it downloads. Artifacts are put as a running task puts them.
 */
const MiB = 1024 * 1024;
let server: TestServer;
let database: ReturnType<typeof connect>;
let taskId: string;

beforeAll(async () => {
  server = await startTestServer({ worker: false });
  database = connect(server.databaseUrl, { max: 1 });
  const submitted = await postJson(`${server.url}/tasks`, { workflow: 'echo', params: { value: 'x' } });
  taskId = (submitted.body as SubmitTaskOutput).task_id;
});

afterAll(async () => {
  await database?.close();
  await server?.[Symbol.asyncDispose]();
});

async function put(name: string, content: Buffer, contentType = 'application/octet-stream') {
  await putArtifact(database.sql, taskId, { name, contentType, content });
  return content;
}

const urlOf = (name: string) => `${server.url}/tasks/${taskId}/artifacts/${encodeURIComponent(name)}`;

async function download(name: string, headers: Record<string, string> = {}) {
  const response = await fetch(urlOf(name), { headers });
  return { response, body: Buffer.from(await response.arrayBuffer()) };
}

/** Reads what is left of a body; throws when the server cuts it short. */
async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>, parts: Uint8Array[]): Promise<void> {
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parts.push(value);
  }
}

describe('a whole artifact', () => {
  test('arrives byte for byte across its chunks, with its type, length, Accept-Ranges and ETag', async () => {
    const content = await put('model.bin', randomBytes(3 * MiB + 12_345));
    const listed = ((await requestJson(`${server.url}/tasks/${taskId}`)).body as TaskView).artifacts;
    expect(listed.find((artifact) => artifact.name === 'model.bin')?.size).toBe(content.length);

    const { response, body } = await download('model.bin');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-length')).toBe(String(content.length));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('etag')).toMatch(/^"[^"]+"$/);
    expect(body.equals(content)).toBe(true);
  });

  test('HEAD answers the same headers without the body', async () => {
    const content = await put('head.bin', randomBytes(2 * MiB));
    const get = await download('head.bin');
    const head = await fetch(urlOf('head.bin'), { method: 'HEAD', headers: { range: 'bytes=0-9' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(content.length));
    expect(head.headers.get('etag')).toBe(get.response.headers.get('etag'));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  test('an HTML artifact is an attachment a browser may not sniff into a page of the api', async () => {
    await put('report.html', Buffer.from('<script>alert(document.cookie)</script>'), 'text/html');
    const { response } = await download('report.html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('an empty artifact is a 200 with no bytes', async () => {
    await put('empty.txt', Buffer.alloc(0), 'text/plain');
    const { response, body } = await download('empty.txt');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('0');
    expect(body.length).toBe(0);
  });
});

describe('owners', () => {
  test("another owner's artifact is a 404 before any byte, with or without a Range", async () => {
    await using secured = await startTestServer({ worker: false, operations: {} });
    await using keys = openKeyStore(secured.databaseUrl);
    const alice = (await keys.create('alice', { owner: 'alice' })).key;
    const bob = (await keys.create('bob', { owner: 'bob' })).key;
    const aliceTask = await submitWithKey(secured.url, alice, { workflow: 'echo', params: { value: 'x' } });
    await using writer = connect(secured.databaseUrl, { max: 1 });
    const content = randomBytes(MiB + 1);
    await putArtifact(writer.sql, aliceTask, {
      name: 'mine.bin',
      contentType: 'application/octet-stream',
      content,
    });
    const url = `${secured.url}/tasks/${aliceTask}/artifacts/mine.bin`;

    for (const headers of [bearer(bob), { ...bearer(bob), range: 'bytes=0-9' }]) {
      const refused = await requestJson(url, { headers });
      expect(refused.status).toBe(404);
      expect((refused.body as ErrorBody).code).toBe('NOT_FOUND');
      expect(refused.headers.get('content-range')).toBeNull();
    }
    const own = await fetch(url, { headers: { ...bearer(alice), range: 'bytes=0-9' } });
    expect(own.status).toBe(206);
    expect(Buffer.from(await own.arrayBuffer()).equals(content.subarray(0, 10))).toBe(true);
  });
});

describe('Range', () => {
  let content: Buffer;
  const size = 2 * MiB + 100;
  beforeAll(async () => {
    content = await put('ranges.bin', randomBytes(size));
  });

  test.each([
    ['bytes=0-99', 0, 99],
    ['bytes=1048570-1048585', 1048570, 1048585], // across the first chunk's end
    ['bytes=1000000-', 1000000, size - 1],
    ['bytes=-500', size - 500, size - 1],
    ['bytes=-99999999', 0, size - 1], // a suffix longer than the artifact is all of it
    ['bytes=2000000-99999999', 2000000, size - 1],
    ['bytes=5-5', 5, 5],
  ])('%s is a 206 of those bytes with Content-Range', async (range, first, last) => {
    const { response, body } = await download('ranges.bin', { range });
    expect(response.status).toBe(206);
    expect(response.headers.get('content-range')).toBe(`bytes ${first}-${last}/${size}`);
    expect(response.headers.get('content-length')).toBe(String(last - first + 1));
    expect(body.equals(content.subarray(first, last + 1))).toBe(true);
  });

  test.each([`bytes=${2 * MiB + 100}-`, `bytes=${3 * MiB}-${4 * MiB}`, 'bytes=-0'])(
    '%s is a 416 with Content-Range: bytes */size',
    async (range) => {
      const { response, body } = await download('ranges.bin', { range });
      expect(response.status).toBe(416);
      expect(response.headers.get('content-range')).toBe(`bytes */${size}`);
      expect((JSON.parse(body.toString('utf8')) as ErrorBody).code).toBe('RANGE_NOT_SATISFIABLE');
    },
  );

  test.each(['bytes=0-1,5-9', 'bytes=9-2', 'items=0-9', 'bytes=abc'])(
    '%s (several ranges, an invalid one, another unit) gets the whole artifact',
    async (range) => {
      const { response, body } = await download('ranges.bin', { range });
      expect(response.status).toBe(200);
      expect(body.equals(content)).toBe(true);
    },
  );

  test('200, 206 and 416 carry the headers and body the OpenAPI document declares', async () => {
    const document = buildOpenApiDocument();
    const check = createOpenApiChecker(document);
    const path = '/tasks/{task_id}/artifacts/{name}';
    for (const [range, status] of [
      [undefined, 200],
      ['bytes=10-', 206],
      [`bytes=${size}-`, 416],
    ] as const) {
      const { response, body } = await download('ranges.bin', range ? { range } : {});
      expect(response.status).toBe(status);
      checkHeaders(document, 'GET', path, status, response.headers);
      if (status === 416) check('GET', path, status, JSON.parse(body.toString('utf8')));
    }
  });

  test('If-Range: the range of the same version, the whole artifact once it was replaced', async () => {
    const name = 'resumed.bin';
    const first = await put(name, randomBytes(MiB + 10));
    const etag = (await download(name)).response.headers.get('etag') ?? '';
    const same = await download(name, { range: 'bytes=1000-', 'if-range': etag });
    expect(same.response.status).toBe(206);
    expect(same.body.equals(first.subarray(1000))).toBe(true);

    const second = await put(name, randomBytes(MiB + 10));
    const resumed = await download(name, { range: 'bytes=1000-', 'if-range': etag });
    expect(resumed.response.status).toBe(200);
    expect(resumed.response.headers.get('etag')).not.toBe(etag);
    expect(resumed.body.equals(second)).toBe(true);
    const dated = await download(name, { range: 'bytes=1000-', 'if-range': new Date().toUTCString() });
    expect(dated.response.status).toBe(200);
  });
});

describe('streaming', () => {
  test('the first bytes arrive before the artifact was read to its end: replaced meanwhile, the download ends short, never mixed', async () => {
    // Larger than what the sockets between api and client can hold (Linux grows a receive buffer up to
    // 32 MiB), so a paused client holds the api back before its last read.
    const name = 'replaced.bin';
    const before = await put(name, randomBytes(48 * MiB));
    const response = await fetch(urlOf(name));
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = await reader.read();
    const parts = first.value ? [first.value] : [];
    expect(parts.length).toBe(1);

    const after = await put(name, randomBytes(48 * MiB));
    await expect(readRest(reader, parts)).rejects.toThrow();
    const received = Buffer.concat(parts);
    expect(received.length).toBeLessThan(before.length);
    expect(received.equals(before.subarray(0, received.length))).toBe(true);

    const again = await download(name);
    expect(again.body.equals(after)).toBe(true);
  });

  test('clients that hang up mid-download stop it, and the api goes on serving', async () => {
    const name = 'abandoned.bin';
    const content = await put(name, randomBytes(8 * MiB));
    // More downloads than the api's pool has connections: none may keep one.
    for (let i = 0; i < 12; i++) {
      const abort = new AbortController();
      const response = await fetch(urlOf(name), { signal: abort.signal });
      const reader = response.body?.getReader();
      expect((await reader?.read())?.done).toBe(false);
      abort.abort();
    }
    const { response, body } = await download(name);
    expect(response.status).toBe(200);
    expect(body.equals(content)).toBe(true);
    expect((await requestJson(`${server.url}/tasks/${taskId}`)).status).toBe(200);
  });
});

describe('cross-origin pages', () => {
  test('a listed origin may read Content-Range, ETag and Accept-Ranges, so it can resume a download', async () => {
    const app = 'http://app.test:5173';
    await using listed = await startTestServer({ worker: false, corsOrigins: [app] });
    const submitted = await postJson(`${listed.url}/tasks`, { workflow: 'echo', params: { value: 'x' } });
    await using writer = connect(listed.databaseUrl, { max: 1 });
    const task = (submitted.body as SubmitTaskOutput).task_id;
    await putArtifact(writer.sql, task, {
      name: 'page.bin',
      contentType: 'application/octet-stream',
      content: randomBytes(1000),
    });
    const response = await fetch(`${listed.url}/tasks/${task}/artifacts/page.bin`, {
      headers: { origin: app, range: 'bytes=10-' },
    });
    expect(response.status).toBe(206);
    await response.arrayBuffer();
    expect(response.headers.get('access-control-allow-origin')).toBe(app);
    const exposed = (response.headers.get('access-control-expose-headers') ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase());
    expect(exposed).toEqual(
      expect.arrayContaining(['content-range', 'etag', 'accept-ranges', 'content-disposition']),
    );
  });
});

describe('revoked keys', () => {
  test('revoking the key cuts a download in progress, as it closes the streams', async () => {
    await using secured = await startTestServer({ worker: false, operations: {} });
    await using keys = openKeyStore(secured.databaseUrl);
    const { key, id } = await keys.create('alice', { owner: 'alice' });
    const task = await submitWithKey(secured.url, key, { workflow: 'echo', params: { value: 'x' } });
    await using writer = connect(secured.databaseUrl, { max: 1 });
    // Larger than the sockets between api and client can hold, as in 'streaming' above.
    const content = randomBytes(48 * MiB);
    await putArtifact(writer.sql, task, {
      name: 'big.bin',
      contentType: 'application/octet-stream',
      content,
    });
    const response = await fetch(`${secured.url}/tasks/${task}/artifacts/big.bin`, { headers: bearer(key) });
    expect(response.status).toBe(200);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = await reader.read();
    const parts = first.value ? [first.value] : [];
    // A stream of the same key: the revocation closes both at once, so its end says the download was told.
    const stream = await fetch(`${secured.url}/tasks/${task}/stream`, { headers: bearer(key) });
    if (!stream.body) throw new Error('no stream');
    const events = readSse(stream.body);
    expect((await events.next()).done).toBe(false);

    await keys.revoke(id);
    const told: SseMessage[] = [];
    for await (const message of events) told.push(message);
    expect(told.at(-1)?.event).toBe('error');
    await expect(readRest(reader, parts)).rejects.toThrow();
    const received = Buffer.concat(parts);
    expect(received.length).toBeLessThan(content.length);
    expect(received.equals(content.subarray(0, received.length))).toBe(true);
  });
});
