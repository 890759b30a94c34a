import { createServer, Socket } from 'node:net';

export interface ShutOptions {
  /**
   * Cut with a TCP reset (the client reads ECONNRESET, as after a failover or a dropped NAT entry)
   * instead of an orderly close.
   */
  reset?: boolean;
}

export interface DatabaseDoor extends AsyncDisposable {
  /** The database's URL through the door: hand it to the code under test. */
  url: string;
  /** Cuts every connection, and each new one as it arrives, as while the server is down. */
  shut(options?: ShutOptions): void;
  /** Lets connections through again: the database is back. */
  open(): void;
  /** Connections cut on arrival since the door was last shut: how often clients tried to come back. */
  turnedAway(): number;
}

interface Passage {
  client: Socket;
  upstream: Socket;
}

/**
 * A loopback TCP door in front of a test database, to take the database away from a process and give it
 * back (an outage, a restart) without touching the server the other tests share.
 *
 * @example
 * await using door = await openDatabaseDoor(database.url);
 * door.shut(); // queries through door.url now fail with a broken connection
 * door.shut({ reset: true }); // ... or with ECONNRESET
 */
export async function openDatabaseDoor(databaseUrl: string): Promise<DatabaseDoor> {
  const target = new URL(databaseUrl);
  const passages = new Set<Passage>();
  let shut: ShutOptions | null = null;
  let turnedAway = 0;
  const server = createServer((client) => {
    if (shut) {
      turnedAway++;
      cut(client, shut);
      return;
    }
    const upstream = new Socket();
    const passage = { client, upstream };
    passages.add(passage);
    upstream.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      socket.on('close', () => passages.delete(passage));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const cutAll = (options: ShutOptions) => {
    for (const { client, upstream } of passages) {
      cut(client, options);
      upstream.destroy();
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address && typeof address !== 'string' ? address.port : 0);
  return {
    url: url.href,
    shut: (options = {}) => {
      shut = options;
      turnedAway = 0;
      cutAll(options);
    },
    open: () => {
      shut = null;
    },
    turnedAway: () => turnedAway,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        cutAll({});
        server.close(() => resolve());
      }),
  };
}

function cut(client: Socket, { reset }: ShutOptions): void {
  if (reset && !client.destroyed) client.resetAndDestroy();
  else client.destroy();
}
