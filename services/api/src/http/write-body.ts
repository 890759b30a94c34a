import { once } from 'node:events';
import type { ServerResponse } from 'node:http';

/**
 * Writes `chunks` as the body of a response whose headers are sent, then ends it. The next chunk is
 * asked for only once the socket took the last one ('drain'), and a client that goes away stops the
 * iteration (or, gone before it began, prevents it), so memory holds about one chunk whatever the body's
 * size. A failure midway cannot become an error answer any more: the connection is cut (the client sees
 * fewer bytes than Content-Length, never a body it could take for whole) and the error is thrown.
 */
export async function writeBody(res: ServerResponse, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  // Its 'close' has come and gone (a client that hung up while the headers were prepared): a write
  // would only answer false, and no 'drain' would ever follow.
  if (res.destroyed || res.writableEnded) return;
  const gone = new AbortController();
  const onClose = () => gone.abort();
  res.once('close', onClose);
  try {
    for await (const chunk of chunks) {
      if (gone.signal.aborted) return;
      if (!res.write(chunk)) {
        // Rejects when the client goes away (or the socket fails) while the chunk waits in its buffer.
        const drained = await once(res, 'drain', { signal: gone.signal }).then(
          () => true,
          () => false,
        );
        if (!drained) return;
      }
    }
    res.end();
  } catch (error) {
    res.destroy();
    throw error;
  } finally {
    res.off('close', onClose);
  }
}
