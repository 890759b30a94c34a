import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { expect, test } from 'vitest';
import { writeBody } from './write-body.ts';

const MiB = 1024 * 1024;

/** What writeBody left behind on a response whose client hung up before the body began. */
interface Outcome {
  chunksRead: number;
  listenersBefore: { close: number; drain: number };
  listenersAfter: { close: number; drain: number };
}

const listenersOf = (res: ServerResponse) => ({
  close: res.listenerCount('close'),
  drain: res.listenerCount('drain'),
});

test('a client gone before the body starts: writeBody settles, reads nothing and leaves no listener', async () => {
  let outcome: (value: Outcome) => void = () => undefined;
  const settled = new Promise<Outcome>((resolve) => {
    outcome = resolve;
  });
  let received: () => void = () => undefined;
  const requestIn = new Promise<void>((resolve) => {
    received = resolve;
  });
  // The server answers only once the client has hung up, as the artifact route may after its queries.
  const server = createServer(async (_req, res) => {
    const closed = once(res, 'close');
    received();
    await closed;
    let chunksRead = 0;
    async function* chunks() {
      for (let i = 0; i < 3; i++) {
        chunksRead++;
        yield Buffer.alloc(MiB);
      }
    }
    res.writeHead(200, { 'content-length': String(3 * MiB) });
    const listenersBefore = listenersOf(res);
    await writeBody(res, chunks());
    outcome({ chunksRead, listenersBefore, listenersAfter: listenersOf(res) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.write('GET /artifact HTTP/1.1\r\nHost: test\r\n\r\n');
    await requestIn;
    client.destroy();

    const { chunksRead, listenersBefore, listenersAfter } = await settled;
    expect(chunksRead).toBe(0);
    expect(listenersAfter).toEqual(listenersBefore);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
