import type { SubmitTaskInput, SubmitTaskOutput, TaskResultView } from '@kaygraph/contracts';
import type { TaskIdOf, WorkflowNames, WorkflowParams, WorkflowResult } from './workflow-types.ts';

/**
 * A submit whose `params` type follows the chosen workflow of the catalog `W` (the built-ins by
 * default). Params are required when the workflow has required params, optional otherwise.
 */
export type TypedSubmitInput<W, N extends WorkflowNames<W> & string> = Omit<
  SubmitTaskInput,
  'workflow' | 'params'
> & {
  workflow: N;
} & (object extends WorkflowParams<W, N>
    ? { params?: WorkflowParams<W, N> }
    : { params: WorkflowParams<W, N> });

/** The outcome of a task of workflow `N`, its `result` typed by the workflow. */
export type TypedTaskResult<W, N extends string> = Omit<TaskResultView, 'result'> & {
  result?: WorkflowResult<W, N>;
};

/** A submit's answer, its `task_id` branded with the workflow (for `client.signal`). */
export type TypedSubmitOutput<N extends string> = Omit<SubmitTaskOutput, 'task_id'> & {
  task_id: TaskIdOf<N>;
};
