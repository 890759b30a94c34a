import { DomainError } from '@kaygraph/contracts';
import { initTRPC } from '@trpc/server';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Context, Identity, RestAnswer } from './context.ts';
import { describeError, toTRPCError, trpcCodeOfError } from './errors.ts';

/** What a procedure's `.meta()` may say: its OpenAPI operation, and how REST answers a success. */
export type ProcedureMeta = OpenApiMeta<{
  /** REST status of a success (default 200), or one chosen from the output (/ready: 503 when not ready). */
  successStatus?: number | ((output: unknown) => number);
  /** REST `Location` header of a success; `{field}` is filled from the output (`/tasks/{task_id}`). */
  location?: `/${string}`;
  /** Statuses besides the success whose REST body is the output itself (documented so). */
  outputStatuses?: number[];
  /** REST: the JSON body is this one input field, whatever JSON it is (a signal's payload), not an object of fields. */
  bodyField?: string;
  /**
   * REST: input fields read from request headers, by header name (`Idempotency-Key`: `idempotency_key`);
   * the OpenAPI document declares them as header parameters, not body fields.
   */
  headerFields?: Record<string, string>;
  /**
   * REST: input fields a request header may give instead of the JSON body, by header name (`Idempotency-Key`:
   * `idempotency_key`). Either gives the field; both may be sent only with the same value (else a 400 naming
   * the field). The OpenAPI document declares the optional header parameter and keeps the body field.
   */
  headerAlternatives?: Record<string, string>;
  /**
   * What is true of the operation that decides its common error answers (openapi-statuses.ts): it spends
   * the key's rate limit (429 RATE_LIMITED), adds unfinished tasks (429 QUEUE_FULL), takes
   * admin keys only (403), or needs no database (false: /health; /ready reports it in its output).
   */
  rateLimited?: true;
  queuesTasks?: true;
  adminOnly?: true;
  database?: false;
  /** The body field MAX_BATCH_SIZE bounds: an array's items (tasks) or a count (a redrive's `limit`). */
  batchField?: string;
  /** An example JSON body, shown in the OpenAPI document. */
  example?: unknown;
}>;

/**
 * The one `initTRPC` of the service. The error formatter adds `errorBody` (contracts ErrorBody) to
 * every error shape, which tRPC clients read and the REST adapter answers with, and derives the tRPC
 * code from the DomainError wherever it was thrown (a subscription refused mid-stream included), so
 * `code`, `data.code`, `data.httpStatus` and `data.errorBody` always agree. Stacks appear only when
 * the server was started with `errorStacks` (NODE_ENV=development); tRPC's own `data.stack` and
 * `data.path` never leave the server otherwise.
 */
const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const described = describeError(error);
      const code = trpcCodeOfError(error);
      const stack = ctx?.services.errorStacks ? error.stack : undefined;
      const { stack: _stack, ...data } = shape.data;
      return {
        ...shape,
        code: TRPC_ERROR_CODES_BY_KEY[code],
        message: described.body.message,
        data: {
          ...data,
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

function fillTemplate(template: string, output: unknown): string {
  const fields = output && typeof output === 'object' ? (output as Record<string, unknown>) : {};
  return template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(fields[name] ?? '')));
}

type CallResult = { ok: true; data: unknown } | { ok: false; error: { cause?: unknown } };

/**
 * What every call's result goes through: DomainErrors thrown by the domain become TRPCErrors with the
 * code (and HTTP status) they mean, and a REST call's success status and headers come from the
 * procedure's metadata (`successStatus`, `location`).
 */
function settleCall<R extends CallResult>(
  result: R,
  answer: RestAnswer | undefined,
  meta: ProcedureMeta | undefined,
): R {
  if (!result.ok) {
    if (result.error.cause instanceof DomainError) throw toTRPCError(result.error.cause);
    return result;
  }
  if (!answer || !meta) return result;
  const { successStatus, location } = meta;
  if (typeof successStatus === 'function') answer.status = successStatus(result.data);
  else if (successStatus !== undefined) answer.status = successStatus;
  if (location) answer.headers.location = fillTemplate(location, result.data);
  return result;
}

// One middleware each (every middleware of tRPC's chain costs each call some copying of its options).
export const publicProcedure = t.procedure.use(async ({ ctx, meta, next }) =>
  settleCall(await next(), ctx.restAnswer, meta),
);

/** Procedures that act for a caller: `ctx.caller` is who asks (owner, admin), `ctx.apiKey` with which key. */
export const authedProcedure = t.procedure.use(async ({ ctx, meta, next }) => {
  let identity: Identity;
  try {
    identity = await ctx.resolveIdentity();
  } catch (error) {
    if (error instanceof DomainError) throw toTRPCError(error);
    throw error;
  }
  const result = await next({ ctx: { caller: identity.caller, apiKey: identity.key } });
  return settleCall(result, ctx.restAnswer, meta);
});
