import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorBody } from '../errors.ts';
import type { ExtraRoute } from '../server.ts';
import { sendError } from './respond.ts';

/** Where `npm run build` writes the dashboard (services/dashboard/dist) in this repository. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/dist', import.meta.url));

const PREFIX = '/dashboard';
/** The dashboard's page as dashboardRoute serves it: what `GET /` links to (createApiServer's `dashboardLink`). */
export const DASHBOARD_PAGE = `${PREFIX}/`;

/**
 * What the dashboard's page may load and talk to: its own files and its own api (HTTP and WebSocket), no
 * inline or foreign script, and no page of another site may frame it. The page holds an API key.
 */
const DASHBOARD_CSP = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Serves the built dashboard under /dashboard: `index.html` for the page itself (never cached,
 * so a new build shows at once) and the content-hashed files under assets/ (cached for a year).
 * The dashboard routes by URL hash, so no other path needs the page as a fallback.
 *
 * @example createApiServer({ ..., extraRoutes: [dashboardRoute()] })
 */
export function dashboardRoute(opts: { dir?: string } = {}): ExtraRoute {
  const root = normalize(opts.dir ?? DEFAULT_DASHBOARD_DIR);
  return async (req, res, url) => {
    const path = url.pathname;
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, errorBody('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`), {
        allow: 'GET, HEAD',
      });
      return true;
    }
    if (path === PREFIX) {
      res.writeHead(308, { location: `${PREFIX}/${url.search}` });
      res.end();
      return true;
    }
    const encoded = path.slice(PREFIX.length + 1);
    const relative = encoded === '' ? 'index.html' : safeDecode(encoded);
    const file = relative === null ? root : normalize(join(root, relative));
    if (relative === null || (file !== root && !file.startsWith(root + sep))) {
      sendError(res, errorBody('NOT_FOUND', `no dashboard file at ${path}`));
      return true;
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      const built = await stat(join(root, 'index.html')).catch(() => null);
      sendError(
        res,
        built
          ? errorBody('NOT_FOUND', `no dashboard file at ${path}`)
          : errorBody('UNAVAILABLE', 'the dashboard is not built: run `npm run build` and restart'),
      );
      return true;
    }
    const immutable = relative?.startsWith('assets/') ?? false;
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(extname(file) === '.html' ? { 'content-security-policy': DASHBOARD_CSP } : {}),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  };
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}
