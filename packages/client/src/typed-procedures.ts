import type {
  AddGroupTasksInput,
  AddGroupTasksOutput,
  CreateGroupInput,
  CreateGroupOutput,
  CreateScheduleInput,
  GetGroupInput,
  GroupTaskInput,
  ScheduleView,
} from '@kaygraph/contracts';
import type { TRPCClient, TRPCProcedureOptions } from '@trpc/client';
import type { AppRouter } from './server-types.ts';
import type { TypedGroupView, TypedTaskResult, TypedTaskView } from './typed-results.ts';
import type {
  TypedSubmitInput,
  TypedSubmitInputs,
  TypedSubmitOutput,
  TypedSubmitOutputs,
  WithTypedParams,
} from './typed-submit.ts';
import type { TaskIdOf, WorkflowNames } from './workflow-types.ts';

type Api = TRPCClient<AppRouter>;
type Names<W> = WorkflowNames<W> & string;

/** The workflow a submit branded a task id with; every workflow of the catalog for a plain id. */
export type WorkflowOfId<W, Id extends string> =
  Id extends TaskIdOf<infer N> ? (string extends N ? Names<W> : N & Names<W>) : Names<W>;

/**
 * `tasks.result`: the outcome typed by the task's workflow, from its id's brand or named (and checked).
 * The named form comes last so that a wrong call's error is about the name.
 */
export interface TypedResultQuery<W> {
  /**
   * The outcome of a task by id alone: typed by the workflow of an id a submit returned, else a union of
   * the catalog's workflows, discriminated by `workflow`.
   */
  <Id extends string>(
    input: { task_id: Id; workflow?: undefined },
    opts?: TRPCProcedureOptions,
  ): Promise<TypedTaskResult<W, WorkflowOfId<W, Id>>>;
  /**
   * The outcome of a task of the workflow named: the api answers 409 CONFLICT when the task is of
   * another workflow (its `errorBody.message` names both), so the type cannot be wrong.
   */
  <N extends Names<W>>(
    input: { task_id: NoInfer<TaskIdOf<N>>; workflow: N },
    opts?: TRPCProcedureOptions,
  ): Promise<TypedTaskResult<W, N>>;
}

/** `client.tasks`: every tasks procedure; those that carry a workflow's params or result are typed by it. */
export type TypedTasksProcedures<W> = Omit<Api['tasks'], 'submit' | 'submitMany' | 'result' | 'get'> & {
  /**
   * A task by id: its `result` typed by the workflow of an id a submit returned, else a union of the
   * catalog's workflows, discriminated by `workflow`.
   */
  get: {
    query<Id extends string>(
      input: { task_id: Id },
      opts?: TRPCProcedureOptions,
    ): Promise<TypedTaskView<W, WorkflowOfId<W, Id>>>;
  };
  submit: {
    mutate<N extends Names<W>>(
      input: TypedSubmitInput<W, N>,
      opts?: TRPCProcedureOptions,
    ): Promise<TypedSubmitOutput<N>>;
  };
  submitMany: {
    mutate<const Ns extends readonly Names<W>[]>(
      input: { tasks: TypedSubmitInputs<W, Ns> },
      opts?: TRPCProcedureOptions,
    ): Promise<{ tasks: TypedSubmitOutputs<Ns> }>;
  };
  result: { query: TypedResultQuery<W> };
};

/** `client.groups`: every groups procedure; tasks are submitted and results read typed by their workflows. */
export type TypedGroupsProcedures<W> = Omit<Api['groups'], 'create' | 'addTasks' | 'get'> & {
  create: {
    mutate<const Ns extends readonly Names<W>[] = []>(
      input: Omit<CreateGroupInput, 'tasks'> & { tasks?: TypedSubmitInputs<W, Ns, GroupTaskInput> },
      opts?: TRPCProcedureOptions,
    ): Promise<Omit<CreateGroupOutput, 'tasks'> & { tasks: TypedSubmitOutputs<Ns> }>;
  };
  addTasks: {
    mutate<const Ns extends readonly Names<W>[]>(
      input: Omit<AddGroupTasksInput, 'tasks'> & { tasks: TypedSubmitInputs<W, Ns, GroupTaskInput> },
      opts?: TRPCProcedureOptions,
    ): Promise<Omit<AddGroupTasksOutput, 'tasks'> & { tasks: TypedSubmitOutputs<Ns> }>;
  };
  get: { query(input: GetGroupInput, opts?: TRPCProcedureOptions): Promise<TypedGroupView<W>> };
};

/**
 * `client.schedules`: every schedules procedure; `create` checks `params` against the workflow it names. An
 * `update` names no workflow unless it changes it, so its params are the api's to check.
 */
export type TypedSchedulesProcedures<W> = Omit<Api['schedules'], 'create'> & {
  create: {
    mutate<N extends Names<W>>(
      input: WithTypedParams<CreateScheduleInput, W, N>,
      opts?: TRPCProcedureOptions,
    ): Promise<ScheduleView>;
  };
};

/**
 * The same procedures, typed by the catalog. Only types change: each typed input is a valid contract
 * input of the procedure, and a result is what the task's workflow declares (as `submitAndWait` trusts).
 */
export function typedProcedures<W>(trpc: Api): {
  tasks: TypedTasksProcedures<W>;
  groups: TypedGroupsProcedures<W>;
  schedules: TypedSchedulesProcedures<W>;
} {
  return {
    tasks: trpc.tasks as unknown as TypedTasksProcedures<W>,
    groups: trpc.groups as unknown as TypedGroupsProcedures<W>,
    schedules: trpc.schedules as unknown as TypedSchedulesProcedures<W>,
  };
}
