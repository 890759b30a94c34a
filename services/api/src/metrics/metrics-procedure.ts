import { DomainError, MetricsSnapshot } from '@kaygraph/contracts';
import { NoInput } from '../no-input.ts';
import { authedProcedure } from '../trpc.ts';

/**
 * `metrics` (tRPC): the same snapshot as `GET /metrics` with Accept: application/json, for the
 * dashboard. Admins see every owner, other keys their own tasks.
 */
export const metricsProcedure = authedProcedure
  .input(NoInput)
  .output(MetricsSnapshot)
  .query(({ ctx }) => {
    const metrics = ctx.services.metrics;
    if (!metrics) throw new DomainError('UNAVAILABLE', 'this api was started without metrics');
    return metrics.snapshot(ctx.caller);
  });
