import { DomainError } from '@kaygraph/contracts';
import { initTRPC } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context } from './context.ts';
import { describeError, toTRPCError, trpcCodeOfError } from './errors.ts';

/**
 * The one `initTRPC` of the service. The error formatter adds `errorBody` (contracts ErrorBody) to
 * every error shape, which tRPC clients read and the REST adapter answers with, and derives the tRPC
 * code from the DomainError wherever it was thrown (a subscription refused mid-stream included), so
 * `code`, `data.code`, `data.httpStatus` and `data.errorBody` always agree. Stacks appear only when
 * the server was started with `errorStacks` (NODE_ENV=development); tRPC's own default would show
 * them whenever NODE_ENV is not production.
 */
const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const described = describeError(error);
      const code = trpcCodeOfError(error);
      const stack = ctx?.services.errorStacks ? error.stack : undefined;
      return {
        ...shape,
        code: TRPC_ERROR_CODES_BY_KEY[code],
        message: described.body.message,
        data: {
          ...shape.data,
          code,
          httpStatus: described.httpStatus,
          errorBody: described.body,
          ...(stack ? { stack } : {}),
        },
      };
    },
    sse: {
      ping: { enabled: true, intervalMs: 10_000 },
      client: { reconnectAfterInactivityMs: 20_000 },
    },
  });

export const router = t.router;
/** Server-side calls of the router's procedures (the REST routes call through it). */
export const createCallerFactory = t.createCallerFactory;
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
