import type { ServerResponse } from 'node:http';
import { type DescribedError, errorHeaders } from '../errors.ts';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Answers with an ErrorBody and the headers its error calls for (Retry-After, WWW-Authenticate). */
export function sendError(res: ServerResponse, error: DescribedError, headers: Record<string, string> = {}) {
  sendJson(res, error.httpStatus, error.body, { ...headers, ...errorHeaders([error]) });
}
