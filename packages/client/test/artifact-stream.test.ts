import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { ArtifactDownloadError, createClient } from '../src/index.ts';

/**
 * A 206 whose Content-Range the client cannot read (a browser hides it from a page on an origin the api
 * does not expose it to; a proxy may strip it) holds bytes from an unknown offset: never a whole file.
 * A stand-in for such an answer: a server that sends the part of a resumed download without the header.
 */
test('a 206 without a readable Content-Range is an error naming the cause, not the whole artifact', async () => {
  const part = Buffer.from('the bytes after offset 10');
  const server = createServer((req, res) => {
    expect(req.headers.range).toBe('bytes=10-');
    res.writeHead(206, { 'content-type': 'text/csv', 'content-length': String(part.length), etag: '"v1"' });
    res.end(part);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    using client = createClient({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const resumed = client.artifactStream('0b8f5a0e-0000-4000-8000-000000000000', 'summary.csv', {
      offset: 10,
      ifRange: '"v1"',
    });
    await expect(resumed).rejects.toBeInstanceOf(ArtifactDownloadError);
    await expect(resumed).rejects.toMatchObject({
      status: 206,
      message: expect.stringMatching(/Content-Range.*CORS_ORIGINS/),
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
