import { DomainError } from '@kaygraph/contracts';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from './context.ts';
import { describeError, toTRPCError } from './errors.ts';

/**
 * The one `initTRPC` of the service. The error formatter adds `errorBody` (contracts ErrorBody) to
 * every error shape, which tRPC clients read and the REST adapter answers with. tRPC leaves stacks
 * out of error shapes when NODE_ENV is production.
 */
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const described = describeError(error);
      return {
        ...shape,
        message: described.body.message,
        data: { ...shape.data, httpStatus: described.httpStatus, errorBody: described.body },
      };
    },
    sse: {
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 20_000 },
    },
  });

export const router = t.router;
export const middleware = t.middleware;

/** DomainErrors thrown by the domain become TRPCErrors with the code (and HTTP status) they mean. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) throw toTRPCError(result.error.cause);
  return result;
});

export const publicProcedure = t.procedure.use(mapDomainErrors);

/** Procedures that act for a caller: `ctx.caller` is who asks (owner, admin). */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  try {
    const caller = await ctx.resolveCaller();
    return next({ ctx: { caller } });
  } catch (error) {
    if (error instanceof DomainError) throw toTRPCError(error);
    throw error;
  }
});
