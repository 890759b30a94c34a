import { DomainError, issuesInLine, issuesOf, MetricsFormat } from '@kaygraph/contracts';
import type { CallerResolver } from '../context.ts';
import { describeError, errorBody } from '../errors.ts';
import { sendError, sendJson } from '../http/respond.ts';
import type { ExtraRoute } from '../server.ts';
import type { MetricsService } from './metrics-service.ts';

/**
 * Prometheus text only for what a scraper sends (`application/openmetrics-text`,
 * `text/plain;version=0.0.4`) or `?format=prometheus`; everyone else (curl, browsers, `Accept: *\/*`)
 * gets the spec's JSON.
 */
export function wantsPrometheus(accept: string | undefined, format: MetricsFormat | undefined): boolean {
  if (format !== undefined) return format === 'prometheus';
  if (!accept) return false;
  return accept
    .toLowerCase()
    .split(',')
    .some((part) => {
      const [type, ...params] = part.split(';').map((piece) => piece.trim());
      if (type === 'application/openmetrics-text') return true;
      return type === 'text/plain' && params.some((param) => param.replace(/\s/g, '') === 'version=0.0.4');
    });
}

/** `?format=` as documented (an empty value: not given); anything else is a 400 naming it. */
function formatOf(url: URL): MetricsFormat | undefined {
  const format = MetricsFormat.optional().safeParse(url.searchParams.get('format') || undefined);
  if (!format.success) {
    const issues = issuesOf(format.error, 'format');
    throw new DomainError('BAD_REQUEST', `invalid input: ${issuesInLine(issues)}`, { issues });
  }
  return format.data;
}

/**
 * `GET /metrics`: the spec's JSON by default, Prometheus text when a scraper asks for it. Both
 * need a key when auth is on; JSON is limited to the caller's own tasks unless the key is an
 * admin's, and the Prometheus text (which covers every owner) needs an admin key.
 */
export function metricsRoute(opts: { metrics: MetricsService; resolveCaller: CallerResolver }): ExtraRoute {
  return async (req, res, url) => {
    if (url.pathname !== '/metrics' && url.pathname !== '/metrics/') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, errorBody('METHOD_NOT_ALLOWED', `${req.method} is not allowed on /metrics`), {
        allow: 'GET, HEAD',
      });
      return true;
    }
    try {
      const { caller } = await opts.resolveCaller({
        headers: req.headers,
        connectionParams: null,
        remoteAddress: req.socket.remoteAddress,
      });
      const json = !wantsPrometheus(req.headers.accept, formatOf(url));
      if (!json && !caller.admin) {
        throw new DomainError(
          'FORBIDDEN',
          'Prometheus metrics cover every owner and need an admin key; ask without ' +
            "?format=prometheus (JSON) to see your own tasks' metrics",
        );
      }
      const snapshot = await opts.metrics.snapshot(caller);
      if (json) {
        sendJson(res, 200, snapshot, { 'cache-control': 'no-store' });
        return true;
      }
      const text = await opts.metrics.prometheus.render(snapshot, await opts.metrics.workflowNames());
      res.writeHead(200, {
        'content-type': opts.metrics.prometheus.contentType,
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (error) {
      sendError(res, describeError(error));
    }
    return true;
  };
}
