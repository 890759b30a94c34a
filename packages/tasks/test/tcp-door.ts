import { createServer, Socket } from 'node:net';

/**
 * A TCP door in front of the test database. Shut, it cuts every connection and stops listening (connections
 * are refused, as when the server is down); open, it listens again on the same port.
 */
export async function door(target: string) {
  const upstreamUrl = new URL(target);
  const sockets = new Set<Socket>();
  let arrived = 0;
  const server = createServer((client) => {
    arrived++;
    const upstream = new Socket();
    upstream.connect(Number(upstreamUrl.port || 5432), upstreamUrl.hostname);
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
    new Promise<number>((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(address && typeof address !== 'string' ? address.port : 0);
      }),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  const port = await listen(0);
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  // arrivals(): connections made through the door so far (how often clients tried to reach the database).
  return { url: url.href, shut: stop, open: () => listen(port), close: stop, arrivals: () => arrived };
}
