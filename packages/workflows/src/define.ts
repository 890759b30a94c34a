import {
  SignalName,
  type WorkflowDefaults,
  WorkflowName,
  WorkflowVersion,
} from '@kaygraph/contracts/run-contracts';
import type { Graph } from '@kaygraph/graph';
import { z } from 'zod';
import { assertKnownConfigKeys, parseWorkflowDefaults } from './config-keys.ts';

/** The signals a workflow declares: payload schemas by signal name. */
export type SignalSchemas = Readonly<Record<string, z.ZodType>>;

/** What a workflow without `signals` declares: no name fits it. */
export type NoSignals = Readonly<Record<never, z.ZodType>>;

/**
 * The shared store every workflow graph starts from (`{}`); the task runtime stores
 * `shared.result` as the task's result when the graph completes.
 */
export interface WorkflowShared {
  result?: unknown;
}

/**
 * A graph over any store: what the runtime runs (it only reads `shared.result`). `Graph<S>` is
 * invariant in S (run options both take and return it), so only `any` admits every workflow's own store.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; this is the agreed CatalogWorkflow shape
export type WorkflowGraph = Graph<any>;

export interface WorkflowConfig<
  Name extends string,
  Alias extends string,
  Params extends z.ZodType,
  Result extends z.ZodType,
  Signals extends SignalSchemas = NoSignals,
> {
  /** Queue-safe: letters, digits, `_`, `.`, `-`. */
  name: Name;
  description: string;
  /** Other names that resolve to this workflow (e.g. `rag_indexing`). */
  aliases?: readonly Alias[];
  /**
   * The version its workers register and its tasks record: only workers of the same version claim them.
   * Unset: a hash of the name, the JSON Schemas of params, result and signals, and the defaults, so any
   * change to those is a new version. Set it to keep tasks claimable across a change you know is
   * compatible (letters, digits, `_`, `.`, `-`).
   */
  version?: string;
  params: Params;
  result?: Result;
  /**
   * Signals its tasks may wait for, with the schema of each payload
   * (`{ approval: z.object({ approved: z.boolean() }) }`). A node waits with `waitForDeclared`.
   */
  signals?: Signals;
  /** Merged over the global defaults (3 retries, 1 s backoff, 3600 s timeout, normal priority). */
  defaults?: Partial<WorkflowDefaults>;
  /**
   * Run on the worker's main thread (pure I/O) instead of a worker thread. A function of the params decides
   * per run, for a workflow that needs a thread only for some runs (`(params) => params.cpu_ms === 0`).
   */
  inline?: boolean | ((params: z.output<Params>) => boolean);
  /**
   * Serve it in place of the built-in workflow of the same name (or alias), on a database where the
   * service's built-ins are registered. Without it a worker there refuses to start rather than make it,
   * unawares, the built-in's new version.
   */
  replacesBuiltin?: boolean;
  /**
   * Builds the graph for one run from the parsed params (defaults applied). `run` says which task
   * and attempt it is for (absent outside the task runtime); nodes also see it as run params.
   */
  graph: (params: z.output<Params>, run?: WorkflowRunInfo) => WorkflowGraph;
}

/** Which run a graph is built for (what the task runtime passes as the second argument). */
export interface WorkflowRunInfo {
  taskId: string;
  owner: string;
  /** The task's run, from 1: a retry, the resumption after a wait and a requeued run each count one. */
  attempt: number;
  /** Results of the tasks this one depends on, by task id. */
  dependencyResults?: Readonly<Record<string, unknown>>;
}

/** A registered workflow: what the task runtime's catalog holds (`CatalogWorkflow`). */
export interface WorkflowDefinition<
  Name extends string = string,
  Alias extends string = string,
  Params extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodType,
  Signals extends SignalSchemas = SignalSchemas,
> {
  readonly name: Name;
  readonly description: string;
  readonly aliases: readonly Alias[];
  /** The declared version (undefined: the registry hashes the schemas and defaults). */
  readonly version: string | undefined;
  readonly params: Params;
  readonly result: Result | undefined;
  /** The declared signals' payload schemas by name (`{}` when it declares none). */
  readonly signals: Signals;
  /** JSON Schema of each signal's payload, by name: what `workflows.list` shows as `signals_schema`. */
  readonly signalSchemas: Readonly<Record<string, Record<string, unknown>>>;
  readonly defaults: WorkflowDefaults;
  /** Whether a run goes to the main thread: always, never, or per run from its raw params (invalid: no). */
  readonly inline: boolean | ((params: unknown) => boolean);
  /** Serves in place of a built-in workflow of the same name (`replacesBuiltin` of its config). */
  readonly replacesBuiltin: boolean;
  /** One of the service's built-in workflows (set where each is defined, never by `defineWorkflow`). */
  readonly builtin?: boolean;
  /** Validates raw params (as stored with the task) and builds the graph. */
  graph(params: unknown, run?: WorkflowRunInfo): WorkflowGraph;
}

/** zod types whose values JSON cannot carry: a client typed with them would get something else. */
const NOT_JSON = new Set(['date', 'bigint', 'map', 'set', 'symbol', 'function']);

/**
 * Where `schema` has a type JSON cannot carry, on its `io` side (`when is a date`). On the input side a
 * coerced date or BigInt (`z.coerce.date()`) is fine: it takes the string or number JSON carries.
 */
function typesJsonCannotCarry(schema: z.ZodType, io: 'input' | 'output', whole: string): string[] {
  const found: string[] = [];
  z.toJSONSchema(schema, {
    unrepresentable: 'any',
    io,
    override: ({ zodSchema, path }) => {
      // A classic zod schema says its type in `type` (public); the hook's typing is the core's.
      const type = 'type' in zodSchema && typeof zodSchema.type === 'string' ? zodSchema.type : '';
      // ...and its definition in `def` (public on classic schemas: a coerced one says `coerce: true`).
      const def = 'def' in zodSchema ? (zodSchema.def as { coerce?: unknown }) : {};
      if (io === 'input' && def.coerce === true) return;
      const at = path.filter((segment) => segment !== 'properties').join('.');
      if (NOT_JSON.has(type)) found.push(`${at === '' ? whole : at} is a ${type}`);
    },
  });
  return found;
}

/**
 * A result is stored and sent as JSON: a Date, BigInt, Map or Set in its schema would reach clients as
 * something else than the type they are given. Refused where the workflow is declared (transforms and
 * custom types are the workflow's own business).
 */
function assertJsonResult(name: string, result: z.ZodType): void {
  const found = typesJsonCannotCarry(result, 'output', 'the result');
  if (found.length === 0) return;
  throw new TypeError(
    `workflow "${name}": results are stored as JSON, which cannot carry its result schema's types ` +
      `(${found.join('; ')}): use z.iso.datetime() for a date, a number or string for a BigInt`,
  );
}

/**
 * A signal's payload arrives as JSON and the worker parses it with its schema: a `z.date()`, `z.bigint()`,
 * map or set on the schema's input side would refuse every payload the api accepted (its JSON Schema is
 * `{}` there), failing the task. Coercions and transforms from JSON types are fine.
 */
function assertJsonSignal(name: string, signal: string, schema: z.ZodType): void {
  const found = typesJsonCannotCarry(schema, 'input', 'the payload');
  if (found.length === 0) return;
  throw new TypeError(
    `workflow "${name}" signal "${signal}": payloads arrive as JSON, which cannot carry its schema's input ` +
      `types (${found.join('; ')}): use z.coerce.date() or z.iso.datetime() for a date, z.coerce.bigint() ` +
      'or a string for a BigInt',
  );
}

/**
 * Declares a workflow: a name, typed params and result, defaults, and the graph that does the work.
 *
 * @example
 * export const greet = defineWorkflow({
 *   name: 'greet',
 *   description: 'Says hello',
 *   params: z.object({ name: z.string() }),
 *   result: z.object({ greeting: z.string() }),
 *   graph: ({ name }) => new Graph(new Greet(name)),
 * });
 */
export function defineWorkflow<
  const Name extends string,
  const Alias extends string = never,
  Params extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodUnknown,
  const Signals extends SignalSchemas = NoSignals,
>(
  config: WorkflowConfig<Name, Alias, Params, Result, Signals>,
): WorkflowDefinition<Name, Alias, Params, Result, Signals> {
  for (const name of [config.name, ...(config.aliases ?? [])]) {
    const check = WorkflowName.safeParse(name);
    if (!check.success) throw new TypeError(`workflow name "${name}": ${check.error.issues[0]?.message}`);
  }
  assertKnownConfigKeys(config.name, config);
  if (config.version !== undefined) {
    const check = WorkflowVersion.safeParse(config.version);
    if (!check.success) {
      throw new TypeError(
        `workflow "${config.name}" version "${config.version}": ${check.error.issues[0]?.message}`,
      );
    }
  }
  if (config.result !== undefined) assertJsonResult(config.name, config.result);
  const signals = config.signals ?? ({} as Signals);
  const signalSchemas: Record<string, Record<string, unknown>> = {};
  for (const [name, schema] of Object.entries(signals)) {
    const check = SignalName.safeParse(name);
    if (!check.success) throw new TypeError(`signal name "${name}": ${check.error.issues[0]?.message}`);
    assertJsonSignal(config.name, name, schema);
    signalSchemas[name] = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<
      string,
      unknown
    >;
  }
  const defaults = parseWorkflowDefaults(config.name, config.defaults);
  const inline = config.inline ?? false;
  return {
    name: config.name,
    description: config.description,
    aliases: [...(config.aliases ?? [])],
    version: config.version,
    params: config.params,
    result: config.result,
    signals,
    signalSchemas,
    defaults,
    inline:
      typeof inline === 'function'
        ? (raw: unknown) => {
            const parsed = config.params.safeParse(raw);
            return parsed.success && inline(parsed.data as z.output<Params>);
          }
        : inline,
    replacesBuiltin: config.replacesBuiltin ?? false,
    graph(raw: unknown, run?: WorkflowRunInfo) {
      return config.graph(config.params.parse(raw) as z.output<Params>, run);
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the widest definition, so any concrete one is assignable
export type AnyWorkflow = WorkflowDefinition<string, string, any, any>;

/** `{ name: definition }` for a list of definitions. */
export type WorkflowMapOf<Ws extends readonly AnyWorkflow[]> = { [W in Ws[number] as W['name']]: W };

/** Every name a map of workflows answers to, aliases included. */
export type WorkflowNames<W> = {
  [K in keyof W]: W[K] extends WorkflowDefinition<infer N, infer A, z.ZodType, z.ZodType> ? N | A : never;
}[keyof W];

/** The definition behind a name or alias. */
export type WorkflowByName<W, Name extends string> = {
  [K in keyof W]: W[K] extends WorkflowDefinition<infer N, infer A, z.ZodType, z.ZodType>
    ? Name extends N | A
      ? W[K]
      : never
    : never;
}[keyof W];

/** What a client sends as `params` for a workflow (defaults may be left out). */
export type WorkflowParams<W, Name extends string> =
  WorkflowByName<W, Name> extends WorkflowDefinition<string, string, infer P, z.ZodType> ? z.input<P> : never;

/** The result a workflow's task completes with. */
export type WorkflowResult<W, Name extends string> =
  WorkflowByName<W, Name> extends WorkflowDefinition<string, string, z.ZodType, infer R>
    ? z.output<R>
    : never;

/** The signals a workflow declares (schemas by name). */
export type WorkflowSignals<W, Name extends string> =
  WorkflowByName<W, Name> extends WorkflowDefinition<string, string, z.ZodType, z.ZodType, infer Sg>
    ? Sg
    : never;

/** The names of the signals a workflow's tasks may be sent. */
export type WorkflowSignalName<W, Name extends string> = keyof WorkflowSignals<W, Name> & string;

/** What a client sends as the payload of one signal of a workflow. */
export type WorkflowSignalPayload<W, Name extends string, Signal extends string> =
  WorkflowSignals<W, Name> extends infer Sg
    ? Signal extends keyof Sg
      ? Sg[Signal] extends z.ZodType
        ? z.input<Sg[Signal]>
        : never
      : never
    : never;

export { z };
