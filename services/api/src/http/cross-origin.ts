import type { IncomingMessage, ServerResponse } from 'node:http';
import { ANY_ORIGIN } from '../env.ts';
import { errorBody } from '../errors.ts';
import { sendError } from './respond.ts';

const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE';
/**
 * What a page on another origin may read of an answer beyond the CORS-safelisted headers; an artifact's
 * Content-Range, ETag and Accept-Ranges are what a page needs to resume a download.
 */
const EXPOSED_HEADERS =
  'Location, Retry-After, WWW-Authenticate, X-Request-Id, Content-Disposition, Content-Range, ETag, Accept-Ranges';
const PREFLIGHT_MAX_AGE_SECONDS = '600';
/** Methods that change nothing here: what a page of any origin may send, unable to read the answer. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Which web pages may use the api from a browser: its own (the dashboard, /docs), and those of the
 * origins CORS_ORIGINS lists (`*`: any). Requests without an Origin (not from a page) are not its concern.
 * "Its own" means the Origin names the Host the request was sent to, which a DNS-rebinding page also
 * passes (its name now points at the api): this keeps out pages of other origins, not rebinding; keys do.
 */
export interface CrossOriginPolicy {
  /** Whether answers depend on the request's Origin, so must carry `Vary: Origin` (a list, not `*`). */
  readonly variesByOrigin: boolean;
  /** Whether the page a request comes from (its Origin) may use the api; true when it names none. */
  allows(req: IncomingMessage): boolean;
  /**
   * Adds the CORS headers an answer to a listed origin needs, and answers a preflight (OPTIONS with
   * Access-Control-Request-Method): 204 for a listed origin, 403 naming CORS_ORIGINS otherwise. A
   * request that may change something (a POST needs no preflight when it has no body) from a page
   * neither listed nor the api's own is refused the same 403. True when it answered.
   */
  answer(req: IncomingMessage, res: ServerResponse): boolean;
}

export function createCrossOriginPolicy(origins: readonly string[]): CrossOriginPolicy {
  const any = origins.includes(ANY_ORIGIN);
  const listed = new Set(origins);
  const isListed = (origin: string) => any || listed.has(origin);
  const variesByOrigin = listed.size > 0 && !any;

  return {
    variesByOrigin,
    allows(req) {
      const origin = req.headers.origin;
      return origin === undefined || isListed(origin) || isOwnOrigin(origin, req.headers.host);
    },
    answer(req, res) {
      const origin = req.headers.origin;
      // Caches must keep answers to each origin apart when the headers depend on it. tRPC sets its own
      // Vary over this one: trpc-transports.ts adds Origin to it.
      if (variesByOrigin) res.setHeader('vary', 'Origin');
      const preflight =
        req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
      if (origin === undefined || !isListed(origin)) {
        if (origin === undefined) return false;
        const changing = !SAFE_METHODS.has(req.method ?? 'GET');
        const refused = preflight || (changing && !isOwnOrigin(origin, req.headers.host));
        if (!refused) return false;
        sendError(res, errorBody('FORBIDDEN', refusal(origin)));
        return true;
      }
      res.setHeader('access-control-allow-origin', any ? ANY_ORIGIN : origin);
      if (!preflight) {
        res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
        return false;
      }
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      const asked = req.headers['access-control-request-headers'];
      if (asked) res.setHeader('access-control-allow-headers', asked);
      res.setHeader('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS);
      res.writeHead(204).end();
      return true;
    },
  };
}

/** Why a page of `origin` is refused: what the operator sets to allow it. */
export function refusal(origin: string): string {
  return `pages from ${origin} may not call this api: add the origin to the api's CORS_ORIGINS`;
}

/** A page served by the api itself: its Origin names the host the request was sent to. */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  const page = URL.parse(origin);
  if (!page || !host) return false;
  // The Host header of a default port may carry it (`example.com:443`) where the Origin does not.
  return URL.parse(`${page.protocol}//${host}`)?.host === page.host;
}
