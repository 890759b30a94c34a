/**
 * The build input of the published client's `server-types.d.ts`: the api's router and the built-in
 * workflow catalog, with every type spelled out by the declaration emit, so the declarations name
 * nothing of the server (its context, its OpenAPI meta, zod schemas) and need only `@trpc/server`.
 * The `& {}` after an object type keeps the emit from naming the local alias instead of printing it.
 */
import type { BuiltinWorkflows as ServerBuiltins, AppRouter as ServerRouter } from '@kaygraph/api';
import type {
  AnyTRPCProcedure,
  AnyTRPCRouter,
  inferProcedureInput,
  inferProcedureOutput,
  inferRouterError,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from '@trpc/server';

type ProcedureTypes<P extends AnyTRPCProcedure> = {
  input: inferProcedureInput<P>;
  output: inferProcedureOutput<P>;
  meta: object;
} & {};

type ClientProcedure<P> =
  P extends TRPCSubscriptionProcedure<infer _>
    ? TRPCSubscriptionProcedure<ProcedureTypes<P>>
    : P extends TRPCMutationProcedure<infer _>
      ? TRPCMutationProcedure<ProcedureTypes<P>>
      : P extends TRPCQueryProcedure<infer _>
        ? TRPCQueryProcedure<ProcedureTypes<P>>
        : never;

/** The router's procedures as a client calls them: inputs, outputs, no server context or meta. */
type ClientRecord<R> = {
  [K in keyof R]: R[K] extends AnyTRPCProcedure ? ClientProcedure<R[K]> : ClientRecord<R[K]>;
} & {};

type RootTypes<R extends AnyTRPCRouter> = {
  ctx: object;
  meta: object;
  errorShape: inferRouterError<R>;
  transformer: false;
} & {};

type StandardTypes<S> = S extends {
  readonly '~standard': {
    readonly types?: { readonly input: infer I; readonly output: infer O } | undefined;
  };
}
  ? { input: I; output: O }
  : { input: unknown; output: unknown };

/** A schema reduced to the Standard Schema types the client's workflow typing reads. */
type TypedSchemaOf<S> = {
  readonly '~standard': {
    readonly types?:
      | { readonly input: StandardTypes<S>['input']; readonly output: StandardTypes<S>['output'] }
      | undefined;
  };
} & {};

interface ServerWorkflow {
  name: string;
  aliases: readonly string[];
  params: unknown;
  result: unknown;
  signals: object;
}

/** A workflow definition reduced to what `WorkflowTypes` reads. */
type ClientWorkflow<D extends ServerWorkflow> = {
  readonly name: D['name'];
  readonly aliases: D['aliases'];
  readonly params: TypedSchemaOf<D['params']>;
  readonly result?: TypedSchemaOf<NonNullable<D['result']>> | undefined;
  readonly signals: { readonly [S in keyof D['signals']]: TypedSchemaOf<D['signals'][S]> } & {};
} & {};

type ClientCatalog<W> = {
  [K in keyof W]: W[K] extends ServerWorkflow ? ClientWorkflow<W[K]> : never;
} & {};

/** A value whose type the declaration emit has to print in full. */
function spelledOut<T>(): T {
  return undefined as T;
}

const appRouter =
  spelledOut<TRPCBuiltRouter<RootTypes<ServerRouter>, ClientRecord<ServerRouter['_def']['record']>>>();
const builtinWorkflows = spelledOut<ClientCatalog<ServerBuiltins>>();

/** The API's router, as the client is typed by it. */
export type AppRouter = typeof appRouter;
/** The built-in workflows' names, params, results and signals (the default catalog of `createClient`). */
export type BuiltinWorkflows = typeof builtinWorkflows;
