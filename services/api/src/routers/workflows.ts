import { ListWorkflowsOutput } from '@kaygraph/contracts';
import { listedOwner } from '@kaygraph/tasks';
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
});

/** This router's REST operations (rest-operations.ts). */
export const workflowsRest = rest.table;
