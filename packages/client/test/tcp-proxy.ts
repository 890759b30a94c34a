import type { AddressInfo } from 'node:net';
import { createServer, type Socket } from 'node:net';

export interface TcpProxy extends AsyncDisposable {
  url: string;
  /** Cuts every open connection, as a network failure would. */
  dropConnections(): void;
  connections(): number;
}

/** A loopback TCP proxy in front of `target`, to break connections in the middle of a stream. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const dropConnections = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    dropConnections,
    connections: () => open.size,
    async [Symbol.asyncDispose]() {
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
