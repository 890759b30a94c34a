import { ListWorkflowsOutput } from '@kaygraph/contracts';
import { NoInput } from '../no-input.ts';
import { errors } from '../openapi-errors.ts';
import { restOperations } from '../rest-meta.ts';
import { authedProcedure, router } from '../trpc.ts';
import { describeWorkflow } from '../workflow-info.ts';

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
          description: "Names, descriptions, defaults and the JSON Schema of each workflow's params.",
          errorResponses: errors(401),
        },
      }),
    )
    .input(NoInput)
    .output(ListWorkflowsOutput)
    .query(({ ctx }) => ({ workflows: ctx.services.catalog.list().map(describeWorkflow) })),
});

/** This router's REST operations (rest-operations.ts). */
export const workflowsRest = rest.table;
