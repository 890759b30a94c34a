import { DomainError, GroupIdInput, REST_PATHS, StreamToken, TaskIdInput } from '@kaygraph/contracts';
import type { StreamTokens } from '../auth/stream-tokens.ts';
import type { Context } from '../context.ts';
import { errors } from '../openapi-errors.ts';
import { type RestMeta, restOperations } from '../rest-meta.ts';
import { authedProcedure } from '../trpc.ts';
import { notFoundOf, orchestrationOf } from './orchestration-service.ts';

const taskRest = restOperations('tasks');
const groupRest = restOperations('groups');

function streamTokensOf(ctx: Context): StreamTokens {
  const tokens = ctx.services.streamTokens;
  if (!tokens) throw new DomainError('UNAVAILABLE', 'stream tokens are not enabled on this server');
  return tokens;
}

const WHAT_IT_OPENS = [
  'The token opens nothing else: no other stream, no REST or tRPC call, no cancel over the socket. It acts',
  'for the key that asked (revoking the key voids it and closes what it opened) and expires after',
  'STREAM_TOKEN_TTL_SECONDS (default 300); a stream it opened runs on to its end. A token that is forged,',
  'expired, for another stream or of a revoked key is refused as a bad key is (401; 4401 on /ws), without',
  'saying which. On an api without keys the token adds nothing, yet works, so a page written for a keyed',
  'api runs unchanged; it stops working once the api requires keys.',
].join(' ');

/** `tasks.streamToken`: a token for a browser to watch one task without the API key in its URL. */
export const taskStreamTokenProcedure = authedProcedure
  .meta(
    taskRest.op('streamToken', {
      openapi: {
        method: 'POST',
        path: REST_PATHS.taskStreamToken,
        tags: ['tasks'],
        summary: "A short-lived token to watch a task's stream from a browser",
        description: [
          "For a browser's EventSource or WebSocket, which cannot send an Authorization header: open",
          '`GET /tasks/{task_id}/stream?token=<token>` or `WS /ws/{task_id}?token=<token>` instead of putting',
          'the API key in the URL (where proxies, access logs, history and Referer headers keep it).',
          WHAT_IT_OPENS,
        ].join(' '),
        errorResponses: errors(404),
      },
    }),
  )
  .input(TaskIdInput)
  .output(StreamToken)
  .mutation(async ({ ctx, input }) => {
    const tokens = streamTokensOf(ctx);
    // 404 for a task the caller may not see, as every other task route.
    await ctx.services.tasks.progress(ctx.caller, input.task_id);
    return tokens.issue({ caller: ctx.caller, key: ctx.apiKey }, { kind: 'task', id: input.task_id });
  });

/** `groups.streamToken`: a token for a browser to watch one group's stream. */
export const groupStreamTokenProcedure = authedProcedure
  .meta(
    groupRest.op('streamToken', {
      openapi: {
        method: 'POST',
        path: REST_PATHS.groupStreamToken,
        tags: ['groups'],
        summary: "A short-lived token to watch a group's stream from a browser",
        description: [
          "For a browser's EventSource: open `GET /groups/{group_id}/stream?token=<token>` instead of putting",
          'the API key in the URL.',
          WHAT_IT_OPENS,
        ].join(' '),
        errorResponses: notFoundOf('group'),
      },
    }),
  )
  .input(GroupIdInput)
  .output(StreamToken)
  .mutation(async ({ ctx, input }) => {
    const tokens = streamTokensOf(ctx);
    // Only whether the caller may see the group.
    await orchestrationOf(ctx).groups.summary(ctx.caller, input.group_id);
    return tokens.issue({ caller: ctx.caller, key: ctx.apiKey }, { kind: 'group', id: input.group_id });
  });

/** These procedures' REST operations (rest-operations.ts). */
export const streamTokensRest: ReadonlyMap<string, RestMeta> = new Map([
  ...taskRest.table,
  ...groupRest.table,
]);
