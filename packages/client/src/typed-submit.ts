import type { SubmitTaskInput, SubmitTaskOutput } from '@kaygraph/contracts';
import type { TaskIdOf, WorkflowNames, WorkflowParams } from './workflow-types.ts';

/** No params at all: what a submit without `params` sends (the api takes it as `{}`). */
type NoParams = Record<never, never>;

/**
 * `Base` (a submit, a group's task) for workflow `N` of the catalog `W`: its `params` typed by the
 * workflow, required when the workflow has required params, optional otherwise.
 */
export type WithTypedParams<Base, W, N extends string> = Omit<Base, 'workflow' | 'params'> & {
  workflow: N;
} & (NoParams extends WorkflowParams<W, N>
    ? { params?: WorkflowParams<W, N> }
    : { params: WorkflowParams<W, N> });

/** A submit whose `params` type follows the chosen workflow of the catalog `W`. */
export type TypedSubmitInput<W, N extends WorkflowNames<W> & string> = WithTypedParams<SubmitTaskInput, W, N>;

/** A submit's answer, its `task_id` branded with the workflow (for `client.signal`, `tasks.result`). */
export type TypedSubmitOutput<N extends string> = Omit<SubmitTaskOutput, 'task_id'> & {
  task_id: TaskIdOf<N>;
};

/**
 * A batch of submits (`tasks.submitMany`, a group's tasks), one per name of `Ns`: each task's params are
 * checked against its own workflow.
 */
export type TypedSubmitInputs<W, Ns extends readonly string[], Base = SubmitTaskInput> = {
  [I in keyof Ns]: WithTypedParams<Base, W, Ns[I]>;
};

/** A batch's answers, in the order of its tasks, each id branded with its task's workflow. */
export type TypedSubmitOutputs<Ns extends readonly string[]> = {
  -readonly [I in keyof Ns]: TypedSubmitOutput<Ns[I]>;
};
