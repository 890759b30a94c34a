/**
 * Workflow typing for `createClient<W>`, read structurally from a catalog of workflow definitions
 * (`{ name, aliases, params, result }`, the schemas being Standard Schemas such as zod's), so the
 * client needs no server or worker package to type a user's own workflows.
 */

/** The part of a Standard Schema (zod 4, valibot, arktype...) that carries its types. */
export interface TypedSchema<Input, Output> {
  readonly '~standard': { readonly types?: { readonly input: Input; readonly output: Output } | undefined };
}

/** What the client reads of one workflow definition. */
export interface WorkflowTypes {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly params: TypedSchema<unknown, unknown>;
  readonly result?: TypedSchema<unknown, unknown> | undefined;
  /** The payload schemas of the signals its tasks may be sent, by signal name. */
  readonly signals?: Readonly<Record<string, TypedSchema<unknown, unknown>>> | undefined;
}

type InputOf<S> = S extends TypedSchema<infer Input, unknown> ? Input : never;
type OutputOf<S> = S extends TypedSchema<unknown, infer Output> ? Output : never;
type ResultOf<D> = D extends { readonly result?: infer R }
  ? [NonNullable<R>] extends [never]
    ? unknown
    : OutputOf<NonNullable<R>>
  : unknown;
type SignalsOf<D> = D extends { readonly signals?: infer Sg } ? NonNullable<Sg> : never;
type NamesOf<D> = D extends { readonly name: infer N; readonly aliases: readonly (infer A)[] }
  ? N | A
  : never;

/** Every name a catalog of workflows answers to, aliases included. */
export type WorkflowNames<W> = { [K in keyof W]: NamesOf<W[K]> }[keyof W];

/** The definition behind a name or alias. */
export type WorkflowByName<W, Name extends string> = {
  [K in keyof W]: Name extends NamesOf<W[K]> ? W[K] : never;
}[keyof W];

/**
 * Every name the workflow behind `Name` answers to: what a task of it may be stored under (the workflow's
 * name when it was submitted, an alias of it after a rename).
 */
export type WorkflowNamesOf<W, Name extends string> = NamesOf<WorkflowByName<W, Name>>;

/** What a client sends as `params` for a workflow (defaults may be left out). */
export type WorkflowParams<W, Name extends string> =
  WorkflowByName<W, Name> extends { readonly params: infer P } ? InputOf<P> : never;

/** The result a workflow's task completes with (`unknown` when it declares none). */
export type WorkflowResult<W, Name extends string> = ResultOf<WorkflowByName<W, Name>>;

/** The names of the signals a workflow declares (`never` when it declares none). */
export type WorkflowSignalName<W, Name extends string> = keyof SignalsOf<WorkflowByName<W, Name>> & string;

/** What a client sends as the payload of one signal of a workflow. */
export type WorkflowSignalPayload<W, Name extends string, Signal extends string> =
  SignalsOf<WorkflowByName<W, Name>> extends infer Sg
    ? Signal extends keyof Sg
      ? InputOf<Sg[Signal]>
      : never
    : never;

/** How `client.signal` sends a signal. */
export interface SignalOptions {
  /**
   * Names this signal (a webhook's delivery id): sent again to the same task, it gets the first answer
   * (`deduplicated: true`) and changes nothing, so a retry is harmless. Without one, a repeat after the
   * wait ended is kept for the task's next wait of that name.
   */
  idempotencyKey?: string | undefined;
}

/**
 * `[name, payload, options?]` of each signal a workflow declares, so a name picks its payload type. For
 * a union of workflows (a task id whose workflow is not known), the signals of any of them.
 */
export type SignalArgs<W, Name extends string> = Name extends string
  ? {
      [S in WorkflowSignalName<W, Name>]: [
        name: S,
        payload: WorkflowSignalPayload<W, Name, S>,
        options?: SignalOptions,
      ];
    }[WorkflowSignalName<W, Name>]
  : never;

/** Brands a task id with its workflow's name (type-level only; the value is the plain id). */
export declare const taskWorkflow: unique symbol;

/**
 * A task id that remembers its workflow, as `client.submit` returns it, so `client.signal` checks the
 * signal against that workflow. Any string is one (of an unknown workflow).
 */
export type TaskIdOf<Name extends string> = string & { readonly [taskWorkflow]?: Name };

/**
 * A catalog that checks nothing: any workflow name, any object as params, any signal (what
 * `createClient()` is typed by without a catalog of the app's).
 */
export type AnyWorkflows = Record<
  string,
  {
    readonly name: string;
    readonly aliases: readonly string[];
    readonly params: TypedSchema<Record<string, unknown>, Record<string, unknown>>;
    readonly result?: TypedSchema<unknown, unknown> | undefined;
    readonly signals?: Readonly<Record<string, TypedSchema<unknown, unknown>>> | undefined;
  }
>;
