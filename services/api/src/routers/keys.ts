import {
  ApiKeyView,
  CreateApiKeyInput,
  CreatedApiKey,
  DomainError,
  ListApiKeysInput,
  ListApiKeysOutput,
  RevokeApiKeyInput,
} from '@kaygraph/contracts';
import type { Context } from '../context.ts';
import type { KeyAdmin } from '../keys/key-admin.ts';
import { restOperations } from '../rest-meta.ts';
import { authedProcedure, router } from '../trpc.ts';
import { notFoundOf } from './orchestration-service.ts';

const TAG = ['keys'];
const rest = restOperations('keys');

/**
 * Only admins manage keys. While no key exists (open mode) the anonymous local caller is admin,
 * which is how the first key is made.
 */
const adminProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.caller.admin) throw new DomainError('FORBIDDEN', 'managing API keys needs an admin key');
  return next();
});

function keysOf(ctx: Context): KeyAdmin {
  const keys = ctx.services.keys;
  if (!keys) throw new DomainError('UNAVAILABLE', 'API keys are not enabled on this server');
  return keys;
}

export const keysRouter = router({
  create: adminProcedure
    .meta(
      rest.op('create', {
        openapi: {
          method: 'POST',
          path: '/keys',
          tags: TAG,
          summary: 'Create an API key (admin); its secret is in this answer only',
        },
        adminOnly: true,
      }),
    )
    .input(CreateApiKeyInput)
    .output(CreatedApiKey)
    .mutation(({ ctx, input }) => keysOf(ctx).create(input)),

  list: adminProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/keys',
          tags: TAG,
          summary: 'List API keys (admin), never their secrets',
        },
        adminOnly: true,
      }),
    )
    .input(ListApiKeysInput)
    .output(ListApiKeysOutput)
    .query(async ({ ctx, input }) => ({
      items: await keysOf(ctx).list({ includeRevoked: input.include === 'all' }),
    })),

  revoke: adminProcedure
    .meta(
      rest.op('revoke', {
        openapi: {
          method: 'DELETE',
          path: '/keys/{id}',
          tags: TAG,
          summary: 'Revoke an API key (admin) by id, or by the start of its id or prefix',
          errorResponses: {
            409: 'CONFLICT: the start given matches more than one key',
            ...notFoundOf('key'),
          },
        },
        adminOnly: true,
      }),
    )
    .input(RevokeApiKeyInput)
    .output(ApiKeyView)
    .mutation(({ ctx, input }) => keysOf(ctx).revoke(input.id)),
});

export const keysRest = rest.table;
