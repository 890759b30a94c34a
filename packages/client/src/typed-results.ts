import type { GroupTaskView, GroupView, TaskResultView, TaskView } from '@kaygraph/contracts';
import type { WorkflowNames, WorkflowNamesOf, WorkflowResult } from './workflow-types.ts';

/**
 * `View` (a task's outcome, a group's task) of a task of workflow `N`: `workflow` one of that workflow's
 * names, `result` typed by it. For a union of names, a union discriminated by `workflow`.
 */
export type WithTypedResult<View, W, N extends string> = N extends string
  ? Omit<View, 'workflow' | 'result'> & { workflow: WorkflowNamesOf<W, N>; result?: WorkflowResult<W, N> }
  : never;

/** The outcome of a task of workflow `N` (`tasks.result`, `submitAndWait`), its `result` typed by the workflow. */
export type TypedTaskResult<W, N extends string> = WithTypedResult<TaskResultView, W, N>;

/** A task (`tasks.get`) of workflow `N`, its `result` typed by the workflow. */
export type TypedTaskView<W, N extends string> = WithTypedResult<TaskView, W, N>;

/** One task of a group: its `result` typed by its `workflow` (check `workflow` to narrow it). */
export type TypedGroupTask<W> = WithTypedResult<GroupTaskView, W, WorkflowNames<W> & string>;

/** A group (`groups.get`) with a page of its tasks, each task's result typed by its workflow. */
export type TypedGroupView<W> = Omit<GroupView, 'tasks'> & { tasks: TypedGroupTask<W>[] };
