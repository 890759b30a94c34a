import { createServer, Socket } from 'node:net';

export interface DatabaseDoor extends AsyncDisposable {
  /** The database's URL through the door: hand it to the code under test. */
  url: string;
  /** Cuts every connection, and each new one as it arrives, as while the server is down. */
  shut(): void;
  /** Lets connections through again: the database is back. */
  open(): void;
  /** Connections cut on arrival since the door was last shut: how often clients tried to come back. */
  turnedAway(): number;
}

/**
 * A loopback TCP door in front of a test database, to take the database away from a process and give it
 * back (an outage, a restart) without touching the server the other tests share.
 *
 * @example
 * await using door = await openDatabaseDoor(database.url);
 * door.shut(); // queries through door.url now fail with a broken connection
 */
export async function openDatabaseDoor(databaseUrl: string): Promise<DatabaseDoor> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let shut = false;
  let turnedAway = 0;
  const server = createServer((client) => {
    if (shut) {
      turnedAway++;
      client.destroy();
      return;
    }
    const upstream = new Socket();
    upstream.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const cutAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address && typeof address !== 'string' ? address.port : 0);
  return {
    url: url.href,
    shut: () => {
      shut = true;
      turnedAway = 0;
      cutAll();
    },
    open: () => {
      shut = false;
    },
    turnedAway: () => turnedAway,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => {
        cutAll();
        server.close(() => resolve());
      }),
  };
}
