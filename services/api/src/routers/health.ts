import { HealthOutput, ReadyOutput } from '@kaygraph/contracts';
import { NoInput } from '../no-input.ts';
import { publicProcedure } from '../trpc.ts';

export const healthProcedure = publicProcedure
  .meta({
    openapi: { method: 'GET', path: '/health', tags: ['health'], summary: 'Liveness', protect: false },
  })
  .input(NoInput)
  .output(HealthOutput)
  .query(({ ctx }) => ({
    status: 'ok' as const,
    version: ctx.services.version,
    uptime_seconds: Math.round((Date.now() - ctx.services.startedAt) / 1000),
  }));

export const readyProcedure = publicProcedure
  .meta({
    openapi: {
      method: 'GET',
      path: '/ready',
      tags: ['health'],
      summary: 'Readiness',
      description: 'Answers 503 (status not_ready) until the database is reachable and migrated.',
      errorResponses: { 503: 'Not ready: the body is a ReadyOutput with status not_ready' },
      protect: false,
    },
  })
  .input(NoInput)
  .output(ReadyOutput)
  .query(({ ctx }) => ctx.services.ready());
