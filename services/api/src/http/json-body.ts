import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream';
import { type DescribedError, errorBody } from '../errors.ts';

export type JsonBodyResult = { ok: true; body: unknown } | { ok: false; error: DescribedError };

function isJsonContentType(value: string | undefined): boolean {
  const mediaType = value?.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json' || (mediaType?.endsWith('+json') ?? false);
}

/**
 * Reads a JSON request body of at most `limitBytes`. An empty body without a content type counts
 * as `{}` (so `POST /tasks/{id}/retry` needs none); any other content type, malformed JSON and
 * oversized bodies are refused with an error that says which.
 */
export async function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<JsonBodyResult> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limitBytes) return tooLarge(limitBytes);
  const chunks = await readChunks(req, limitBytes);
  if (!chunks) return tooLarge(limitBytes);
  let size = 0;
  for (const chunk of chunks) size += chunk.length;
  const contentType = req.headers['content-type'];
  if (size === 0 && contentType === undefined) return { ok: true, body: {} };
  if (!isJsonContentType(contentType)) {
    return {
      ok: false,
      error: errorBody(
        'BAD_REQUEST',
        `send a JSON body with Content-Type: application/json (got ${contentType ?? 'none'})`,
      ),
    };
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, body: {} };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : 'unreadable';
    return { ok: false, error: errorBody('BAD_REQUEST', `malformed JSON body: ${detail}`) };
  }
}

/**
 * The body's chunks, or undefined once they exceed `limitBytes` (the request is then destroyed: the rest
 * is not read). Rejects as the stream fails (a client gone mid-body).
 */
function readChunks(req: IncomingMessage, limitBytes: number): Promise<Buffer[] | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size <= limitBytes) return void chunks.push(buffer);
      stop();
      req.destroy();
      resolve(undefined);
    };
    // Ends as the stream does: at its end, or with its error (a premature close is one).
    const stopFinished = finished(req, { writable: false }, (error) => {
      stop();
      if (error) reject(error);
      else resolve(chunks);
    });
    const stop = () => {
      req.off('data', onData);
      stopFinished();
    };
    req.on('data', onData);
  });
}

function tooLarge(limitBytes: number): JsonBodyResult {
  return {
    ok: false,
    error: errorBody('PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${limitBytes} bytes`),
  };
}
