import type { IncomingMessage } from 'node:http';
import type { CallerSource } from '../context.ts';

const BASE = 'http://localhost';
export const UNPARSABLE_URL = 'the request URL cannot be parsed';

/**
 * The request's URL, or undefined when it cannot be parsed (a broken absolute form, `http://[x/`). A
 * target starting with `/` is a path, `//tasks` included (a base URL ending in `/` joined with `/tasks`):
 * resolved against BASE it would read as the host `tasks` and the path `/`.
 */
export function requestUrl(req: IncomingMessage): URL | undefined {
  const target = req.url ?? '/';
  return (target.startsWith('/') ? URL.parse(`${BASE}${target}`) : URL.parse(target, BASE)) ?? undefined;
}

/** Where a request's API key may be: its headers, or `?api_key=` where a browser cannot set a header. */
export function keySource(req: IncomingMessage, url: URL): CallerSource {
  const apiKey = url.searchParams.get('api_key');
  return {
    headers: req.headers,
    connectionParams: apiKey ? { apiKey } : null,
    remoteAddress: req.socket.remoteAddress,
  };
}

/** What logs may say of a URL: its path, never the query (`?api_key=` carries keys). */
export function loggablePath(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}
