import {
  ListWorkflowsOutput,
  MoveVersionTasksInput,
  MoveVersionTasksOutput,
  REST_PATHS,
  WorkflowNameInput,
  WorkflowPauseView,
} from '@kaygraph/contracts';
import { listedOwner } from '@kaygraph/tasks';
import { requestLogger } from '../logging/request-context.ts';
import { NoInput } from '../no-input.ts';
import { restOperations } from '../rest-meta.ts';
import { authedProcedure, router } from '../trpc.ts';

const rest = restOperations('workflows');

export const workflowsRouter = router({
  list: authedProcedure
    .meta(
      rest.op('list', {
        openapi: {
          method: 'GET',
          path: '/workflows',
          tags: ['workflows'],
          summary: 'List workflows',
          description: [
            'The workflows workers registered: names, descriptions, defaults, the JSON Schema of the params,',
            'result and signals of each current version, and which versions live workers run (their host',
            "and pid for admins only), with the caller's unfinished tasks of each (an admin's: every owner's).",
          ].join(' '),
        },
      }),
    )
    .input(NoInput)
    .output(ListWorkflowsOutput)
    .query(async ({ ctx }) => ({
      workflows: await ctx.services.workflows.list({
        owner: listedOwner(ctx.caller),
        // Where workers run is the operator's: an admin's, or the keyless caller's of an open api.
        workerHosts: ctx.caller.admin || ctx.apiKey === undefined,
      }),
    })),

  moveTasks: authedProcedure
    .meta(
      rest.op('moveTasks', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.workflowVersionMove,
          tags: ['workflows'],
          summary: "Move a retired version's unfinished tasks to the current version (admin)",
          description: [
            'For a version no live worker runs any more (an upgrade stopped them all): its unfinished tasks',
            'whose params validate against the current version (its defaults applied) move to it, keeping',
            'their status, and its workers run them. Running tasks stay, and so do tasks that resume from a',
            "checkpoint of the old version's graph (waiting ones, retried ones) unless `include_checkpoints`:",
            'they then resume on the current graph, which must still have the node they stopped at. The answer',
            'lists the first tasks that stayed, each with why. 404: no such version; 409: it is the current',
            'version, or live workers still run it.',
          ].join(' '),
          errorResponses: {
            404: 'No such workflow version',
            409: 'CONFLICT: the version is current, or live workers still run it',
          },
        },
        adminOnly: true,
        example: { include_checkpoints: false },
      }),
    )
    .input(MoveVersionTasksInput)
    .output(MoveVersionTasksOutput)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.moveVersionTasks(ctx.caller, input);
      const { kept: _kept, ...counts } = output;
      const log = ctx.services.taskLog;
      if (log)
        requestLogger(log).info({ owner: ctx.caller.owner, ...counts }, 'workflow version tasks moved');
      return output;
    }),

  pause: authedProcedure
    .meta(
      rest.op('pause', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.workflowPause,
          tags: ['workflows'],
          summary: 'Pause a workflow on every worker (admin)',
          description: [
            'While paused, its tasks are still submitted and stay queued, running ones finish, and no worker',
            'starts one (a retry or a wake-up from a wait neither). The answer comes once every claim in flight',
            'has committed: no worker starts a task of it after the answer. Kept in the database: every api',
            'and worker replica agrees, and it survives restarts. Pausing a paused workflow changes nothing.',
            '404: no such workflow.',
          ].join(' '),
          errorResponses: { 404: 'No such workflow' },
        },
        adminOnly: true,
      }),
    )
    .input(WorkflowNameInput)
    .output(WorkflowPauseView)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.setWorkflowPaused(ctx.caller, input, true);
      const log = ctx.services.taskLog;
      if (log) requestLogger(log).info({ owner: ctx.caller.owner, workflow: input.name }, 'workflow paused');
      return output;
    }),

  resume: authedProcedure
    .meta(
      rest.op('resume', {
        openapi: {
          method: 'POST',
          path: REST_PATHS.workflowResume,
          tags: ['workflows'],
          summary: 'Resume a paused workflow: workers start its queued tasks at once (admin)',
          description: 'Resuming a workflow that is not paused changes nothing. 404: no such workflow.',
          errorResponses: { 404: 'No such workflow' },
        },
        adminOnly: true,
      }),
    )
    .input(WorkflowNameInput)
    .output(WorkflowPauseView)
    .mutation(async ({ ctx, input }) => {
      const output = await ctx.services.tasks.setWorkflowPaused(ctx.caller, input, false);
      const log = ctx.services.taskLog;
      if (log) requestLogger(log).info({ owner: ctx.caller.owner, workflow: input.name }, 'workflow resumed');
      return output;
    }),
});

/** This router's REST operations (rest-operations.ts). */
export const workflowsRest = rest.table;
