import { DomainError } from '@kaygraph/contracts';
import type { CallerResolver } from '../context.ts';
import { describeError, errorBody } from '../errors.ts';
import { sendError, sendJson } from '../http/respond.ts';
import type { ExtraRoute } from '../server.ts';
import type { MetricsService } from './metrics-service.ts';

/** JSON only when asked for it and not for Prometheus' own formats first. */
function wantsJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const types = accept.split(',').map((part) => part.split(';')[0]?.trim().toLowerCase());
  const json = types.indexOf('application/json');
  if (json < 0) return false;
  const text = types.findIndex((type) => type === 'text/plain' || type === 'application/openmetrics-text');
  return text < 0 || json < text;
}

/**
 * `GET /metrics`: the spec's JSON for `Accept: application/json`, Prometheus text otherwise. Both
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
      const caller = await opts.resolveCaller({ headers: req.headers, connectionParams: null });
      const json = wantsJson(req.headers.accept);
      if (!json && !caller.admin) {
        throw new DomainError(
          'FORBIDDEN',
          'Prometheus metrics cover every owner and need an admin key; ask for Accept: application/json ' +
            "to see your own tasks' metrics",
        );
      }
      const snapshot = await opts.metrics.snapshot(caller);
      if (json) {
        sendJson(res, 200, snapshot, { 'cache-control': 'no-store' });
        return true;
      }
      const text = await opts.metrics.prometheus.render(snapshot);
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
