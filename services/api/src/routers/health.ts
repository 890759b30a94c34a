import { HealthOutput, ReadyOutput } from '@kaygraph/contracts';
import { NoInput } from '../no-input.ts';
import { restOperations } from '../rest-meta.ts';
import { publicProcedure } from '../trpc.ts';

const rest = restOperations('');

/** 503 with the same body while the database is unreachable or not migrated. */
const readyStatus = (output: unknown) => (ReadyOutput.safeParse(output).data?.status === 'ready' ? 200 : 503);

export const healthProcedure = publicProcedure
  .meta(
    rest.op('health', {
      openapi: { method: 'GET', path: '/health', tags: ['health'], summary: 'Liveness', protect: false },
      database: false,
    }),
  )
  .input(NoInput)
  .output(HealthOutput)
  .query(({ ctx }) => ({
    status: 'ok' as const,
    version: ctx.services.version,
    uptime_seconds: Math.round((Date.now() - ctx.services.startedAt) / 1000),
  }));

export const readyProcedure = publicProcedure
  .meta(
    rest.op('ready', {
      openapi: {
        method: 'GET',
        path: '/ready',
        tags: ['health'],
        summary: 'Readiness',
        description:
          'Answers 503 (status not_ready) until the database is reachable and migrated; while it cannot be reached, `migrations` is null (not known).',
        errorResponses: { 503: 'Not ready: the body is a ReadyOutput with status not_ready' },
        protect: false,
      },
      successStatus: readyStatus,
      outputStatuses: [503],
      // It reports the database in its answer (the 503 above) rather than failing for it.
      database: false,
    }),
  )
  .input(NoInput)
  .output(ReadyOutput)
  .query(({ ctx }) => ctx.services.ready());

/** The health procedures' REST operations (rest-operations.ts). */
export const healthRest = rest.table;
