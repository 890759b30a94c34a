import { Agent, request } from 'node:http';

export interface PostClient {
  /** POSTs a JSON body; resolves with the status and the response text. */
  post(path: string, body: unknown): Promise<{ status: number; text: string }>;
  close(): void;
}

/**
 * A lean HTTP load client: node:http over `connections` kept-alive sockets. The load generator shares the
 * machine's two cores with the api and PostgreSQL; `fetch` (undici) spent ~450 us of CPU per request here,
 * this ~150 us, so less of what the benchmark reports is its own client (the raw pg-boss baseline's client
 * is the lean `pg` driver).
 */
export function postClient(baseUrl: string, connections: number): PostClient {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  return {
    post(path, body) {
      const payload = JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
