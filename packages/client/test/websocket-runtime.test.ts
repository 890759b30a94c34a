import { startTestServer, type TestServer } from '@kaygraph/api/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { WebSocket as NodeWebSocket } from 'ws';
import { type AnyWorkflows, createClient } from '../src/index.ts';

/** A runtime without a global WebSocket, as Node 20 is: the global is removed for each test. */
let server: TestServer;
const globalWebSocket = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});
beforeEach(() => {
  Reflect.deleteProperty(globalThis, 'WebSocket');
});
afterEach(() => {
  if (globalWebSocket) Object.defineProperty(globalThis, 'WebSocket', globalWebSocket);
});

describe('a runtime without a global WebSocket (Node 20)', () => {
  test("subscriptions: 'ws' without an implementation is refused with an error naming the fixes", () => {
    expect(typeof globalThis.WebSocket).toBe('undefined');
    expect(() => createClient<AnyWorkflows>({ url: server.url, subscriptions: 'ws' })).toThrow(
      /no WebSocket.*subscriptions: 'sse'.*WebSocket.*Node 22/s,
    );
  });

  test('by default subscriptions go over SSE', async () => {
    using client = createClient<AnyWorkflows>({ url: server.url });
    const outcome = await client.submitAndWait({ workflow: 'echo', params: { value: 'sse by default' } });
    expect(outcome).toMatchObject({ status: 'completed', result: { value: 'sse by default' } });
  });

  test('a WebSocket implementation passed in (the ws package) carries the subscriptions', async () => {
    let opened = 0;
    // Counts the sockets the client opens: subscriptions went over WebSocket, not SSE.
    class CountingWebSocket extends NodeWebSocket {
      constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
        super(...args);
        opened++;
      }
    }
    using client = createClient<AnyWorkflows>({
      url: server.url,
      WebSocket: CountingWebSocket as unknown as typeof globalThis.WebSocket,
    });
    const outcome = await client.submitAndWait({ workflow: 'echo', params: { value: 'over ws' } });
    expect(outcome).toMatchObject({ status: 'completed', result: { value: 'over ws' } });
    expect(opened).toBe(1);
  });
});
