import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SubmitTaskOutput } from '@kaygraph/contracts';
import { launchChromium, type Page } from '@kaygraph/test-browser';
import { expect, test } from 'vitest';
import { openKeyStore } from './auth-keys.ts';
import { startTestServer } from './harness.ts';
import { postJson } from './http-helpers.ts';

/** A web app's own origin (a free loopback port, so not the api's) serving an empty page. */
async function serveAppOrigin(): Promise<{ origin: string } & AsyncDisposable> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a page's fetch() could read of an answer, or the error it threw (a refused CORS check: TypeError). */
type PageAnswer =
  | { status: number; body: unknown; headers: Record<string, string | null> }
  | { refused: string };

const READ_HEADERS = ['location', 'x-request-id', 'www-authenticate'];

/** A fetch() a page makes (what crosses into the page: JSON only). */
interface PageRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

function pageFetch(page: Page, url: string, init: PageRequest = {}): Promise<PageAnswer> {
  return page.evaluate(
    async ({ url, init, names }) => {
      try {
        const res = await fetch(url, init);
        const text = await res.text();
        const headers = Object.fromEntries(names.map((name) => [name, res.headers.get(name)]));
        return { status: res.status, body: text ? JSON.parse(text) : null, headers };
      } catch (error) {
        return { refused: (error as Error).name };
      }
    },
    { url, init, names: READ_HEADERS },
  );
}

/** The named events a page's EventSource received until `last` (or until it failed for good). */
function pageEventSource(
  page: Page,
  url: string,
  names: string[],
  last: string,
): Promise<{ events: { event: string; id: string; data: string }[]; failed: boolean }> {
  return page.evaluate(
    ({ url, names, last }) =>
      new Promise((resolve) => {
        const events: { event: string; id: string; data: string }[] = [];
        const source = new EventSource(url);
        source.addEventListener('error', () => {
          if (source.readyState === EventSource.CLOSED) resolve({ events, failed: true });
        });
        for (const name of names) {
          source.addEventListener(name, (message) => {
            const { lastEventId: id, data } = message as MessageEvent;
            events.push({ event: name, id, data: String(data) });
            if (name !== last) return;
            source.close();
            resolve({ events, failed: false });
          });
        }
      }),
    { url, names, last },
  );
}

interface PageSocket {
  opened: boolean;
  messages: unknown[];
  code: number;
  reason: string;
}

/** A page's WebSocket: sends `send` once open, keeps what arrives, closes once a message has `until` in it. */
function pageSocket(page: Page, url: string, send: unknown[], until: string): Promise<PageSocket> {
  return page.evaluate(
    ({ url, send, until }) =>
      new Promise<PageSocket>((resolve) => {
        const seen: PageSocket = { opened: false, messages: [], code: 0, reason: '' };
        const socket = new WebSocket(url);
        socket.addEventListener('open', () => {
          seen.opened = true;
          for (const message of send) socket.send(JSON.stringify(message));
        });
        socket.addEventListener('message', (message) => {
          const text = String(message.data);
          seen.messages.push(JSON.parse(text));
          if (text.includes(until)) socket.close();
        });
        socket.addEventListener('close', (closed) => {
          resolve({ ...seen, code: closed.code, reason: closed.reason });
        });
      }),
    { url, send, until },
  );
}

const taskIdOf = (answer: PageAnswer) =>
  'body' in answer ? (answer.body as SubmitTaskOutput).task_id : 'refused';

test('a web app on an origin CORS_ORIGINS lists uses the api from its pages: REST and tRPC calls, every stream and socket, cancel and result', async () => {
  await using app = await serveAppOrigin();
  await using server = await startTestServer({ operations: {}, corsOrigins: [app.origin] });
  await using store = openKeyStore(server.databaseUrl);
  const { key } = await store.create('webapp');
  const auth = { authorization: `Bearer ${key}` };
  const json = { ...auth, 'content-type': 'application/json' };
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(app.origin);

    // A JSON POST with a key (preflighted), its answer and the headers the page needs readable.
    const submitted = await pageFetch(page, `${server.url}/tasks`, {
      method: 'POST',
      headers: { ...json, 'idempotency-key': 'first' },
      body: JSON.stringify({ workflow: 'steps', params: { steps: 3 } }),
    });
    expect(submitted).toMatchObject({
      status: 202,
      headers: { location: expect.stringMatching(/^\/tasks\//), 'x-request-id': expect.any(String) },
    });
    const taskId = taskIdOf(submitted);
    expect(await pageFetch(page, `${server.url}/tasks/${taskId}`)).toMatchObject({
      status: 401,
      headers: { 'www-authenticate': 'Bearer' },
    });
    // tRPC over HTTP, as @trpc/client's batch link sends a mutation.
    const batched = await pageFetch(page, `${server.url}/trpc/tasks.submit?batch=1`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ 0: { workflow: 'steps', params: { steps: 1 } } }),
    });
    expect(batched).toMatchObject({ status: 200, body: [{ result: { data: { status: 'queued' } } }] });

    // Every stream and socket a page can open, with the key where a browser can put it.
    const sse = await pageEventSource(
      page,
      `${server.url}/tasks/${taskId}/stream?api_key=${key}`,
      ['status', 'progress', 'done'],
      'done',
    );
    expect(sse.events.at(-1)).toMatchObject({ event: 'done', id: expect.stringMatching(/-done$/) });
    const input = encodeURIComponent(JSON.stringify({ task_id: taskId }));
    const params = encodeURIComponent(JSON.stringify({ apiKey: key }));
    const trpcSse = await pageEventSource(
      page,
      `${server.url}/trpc/tasks.events?input=${input}&connectionParams=${params}`,
      ['message', 'return'],
      'return',
    );
    expect(trpcSse.events.filter((event) => event.event === 'message').map((event) => event.id)).toEqual(
      sse.events.filter((event) => event.event !== 'done').map((event) => event.id),
    );
    // Without the key, the page is told where a tRPC subscription takes one.
    const keyless = await pageEventSource(
      page,
      `${server.url}/trpc/tasks.events?input=${input}`,
      ['serialized-error'],
      'serialized-error',
    );
    expect(keyless.events[0]?.data).toContain('tRPC subscriptions: the connection param apiKey');
    const socket = await pageSocket(page, `${server.wsUrl}/ws/${taskId}?api_key=${key}`, [], '"done":true');
    expect(socket.messages.at(-1)).toMatchObject({ done: true, final_status: 'completed' });
    const trpcSocket = await pageSocket(
      page,
      `${server.wsUrl}/trpc?connectionParams=1`,
      [
        { method: 'connectionParams', data: { apiKey: key } },
        { id: 1, method: 'subscription', params: { path: 'tasks.events', input: { task_id: taskId } } },
      ],
      '"stopped"',
    );
    expect(trpcSocket.messages.filter((message) => JSON.stringify(message).includes('"data"'))).toHaveLength(
      trpcSse.events.length - 1,
    );

    // Cancel a running task, then read its result.
    const slow = taskIdOf(
      await pageFetch(page, `${server.url}/tasks`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ workflow: 'steps', params: { steps: 200, delay_ms: 100 } }),
      }),
    );
    expect(
      await pageFetch(page, `${server.url}/tasks/${slow}`, { method: 'DELETE', headers: auth }),
    ).toMatchObject({ status: 200 });
    let result = await pageFetch(page, `${server.url}/tasks/${slow}/result`, { headers: auth });
    // 409 RESULT_NOT_READY until the worker has stopped the run.
    while ('status' in result && result.status === 409)
      result = await pageFetch(page, `${server.url}/tasks/${slow}/result`, { headers: auth });
    expect(result).toMatchObject({
      status: 200,
      body: { status: 'cancelled', error: { code: 'CANCELLED' } },
    });
  } finally {
    await browser.close();
  }
});

test('a page of an origin CORS_ORIGINS does not list gets nothing from an api without keys: no preflight passes, no socket carries a call', async () => {
  await using app = await serveAppOrigin();
  // No key yet, on loopback: the api serves anyone who reaches it, as `npm start` does.
  await using server = await startTestServer({ operations: {} });
  const submitted = await postJson(`${server.url}/tasks`, { workflow: 'steps', params: { steps: 1 } });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;
  const listTasks = { id: 1, method: 'query', params: { path: 'tasks.list', input: {} } };
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(app.origin);

    const post = await pageFetch(page, `${server.url}/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ workflow: 'steps', params: {} }),
    });
    expect(post).toEqual({ refused: 'TypeError' });
    // Browsers apply no CORS to WebSockets: the api checks the page's Origin itself.
    const hijack = await pageSocket(page, `${server.wsUrl}/trpc`, [listTasks], '"id":1');
    expect(hijack).toMatchObject({ opened: false, messages: [] });
    const watched = await pageSocket(page, `${server.wsUrl}/ws/${taskId}`, [], '"done":true');
    expect(watched).toMatchObject({
      code: 4403,
      messages: [
        { task_id: taskId, error: { code: 'FORBIDDEN', message: expect.stringContaining(app.origin) } },
      ],
    });
    expect(JSON.stringify(watched.messages)).toContain('CORS_ORIGINS');

    // The api's own pages (the dashboard, /docs) keep their sockets.
    await page.goto(`${server.url}/health`);
    const own = await pageSocket(page, `${server.wsUrl}/trpc`, [listTasks], '"id":1');
    expect(own.messages).toMatchObject([{ id: 1, result: { data: { items: [{ task_id: taskId }] } } }]);
  } finally {
    await browser.close();
  }
});
