import type { ServerResponse } from 'node:http';
import type { DescribedError } from '../errors.ts';

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

/** Answers with an ErrorBody; Retry-After when the error says when to come back. */
export function sendError(res: ServerResponse, error: DescribedError, headers: Record<string, string> = {}) {
  const extra = { ...headers };
  if (error.retryAfterSeconds !== undefined)
    extra['retry-after'] = String(Math.ceil(error.retryAfterSeconds));
  sendJson(res, error.httpStatus, error.body, extra);
}
