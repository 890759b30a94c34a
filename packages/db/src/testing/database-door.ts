import { createServer, Socket } from 'node:net';

export interface DatabaseDoor extends AsyncDisposable {
  /** The database's URL through the door: hand it to the code under test. */
  url: string;
  /** Cuts every connection and stops listening: connections are refused, as when the server is down. */
  shut(): Promise<void>;
  /** Listens again on the same port: the database is back. */
  open(): Promise<void>;
}

/**
 * A loopback TCP door in front of a test database, to take the database away from a process and give it
 * back (an outage, a restart) without touching the server the other tests share.
 *
 * @example
 * await using door = await openDatabaseDoor(database.url);
 * await door.shut(); // requests through door.url now meet a refused connection
 */
export async function openDatabaseDoor(databaseUrl: string): Promise<DatabaseDoor> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
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
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(address && typeof address !== 'string' ? address.port : 0);
      });
    });
  const shut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });
  const port = await listen(0);
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.href,
    shut,
    open: async () => {
      if (!server.listening) await listen(port);
    },
    [Symbol.asyncDispose]: shut,
  };
}
