import { detachedContext } from './context/run-state.ts';
import { assertEdgeTarget } from './edge-target.ts';
import {
  ASSIGNED_ID,
  EXECUTE,
  EXPLICIT_ID,
  INNER_START,
  PROVISIONAL_ID,
  type StepFrame,
} from './internal.ts';
import { execWithRetries } from './retry.ts';
import { runTop } from './run.ts';
import type { Action, NodeOptions, RunContext, RunOptions, RunResult } from './types.ts';

const provisionalCounters = new Map<string, number>();

function provisionalId(node: object): string {
  const className = node.constructor.name || 'Node';
  const counter = (provisionalCounters.get(className) ?? 0) + 1;
  provisionalCounters.set(className, counter);
  return `${className}~${counter}`;
}

/** Any node over the store `S`, whatever its prep/exec types (what edges and graphs hold). */
export type AnyNode<S> = Node<S, unknown, unknown, unknown, unknown>;

/**
 * One step of a workflow: `prep(shared)` reads the store, `exec(prepRes)` does the work (the only
 * retried part), `post(shared, prepRes, execRes)` writes back and returns the next action.
 *
 * `S` is the shared store the node reads and writes; a `Graph<S>` only accepts nodes over its `S`.
 * `ExecIn`/`ExecOut` differ from `P`/`E` only for batch nodes, whose `exec` runs once per item.
 *
 * @example
 * class Summarize extends Node<{ text: string; summary?: string }, string, string> {
 *   override prep(shared: { text: string }) { return shared.text; }
 *   override async exec(text: string) { return text.slice(0, 100); }
 *   override post(shared: { summary?: string }, _text: string, summary: string) { shared.summary = summary; }
 * }
 */
export class Node<S = Record<string, unknown>, P = unknown, E = unknown, ExecIn = P, ExecOut = E> {
  /** Set by the graph before each step (the graph's params, or the batch graph's params set). */
  params: Record<string, unknown> = {};
  /** Set before `setup`/`prep` of each step: `this.ctx.signal`, `this.ctx.progress(...)`, `this.ctx.log(...)`. */
  ctx: RunContext = detachedContext;
  /** Outgoing edges by action. Shared by the per-step copies, so build them before running. */
  readonly successors: Map<Action, AnyNode<S>> = new Map();
  readonly maxRetries: number;
  readonly wait: number;
  readonly backoff: boolean;
  /** The `step` option: the progress step shown when this node starts. */
  readonly stepName: string | undefined;
  [EXPLICIT_ID]: string | undefined;
  [ASSIGNED_ID]: string | undefined = undefined;
  [PROVISIONAL_ID]: string | undefined = undefined;

  constructor(options: NodeOptions = {}) {
    const { id, step, maxRetries = 1, wait = 0, backoff = false } = options;
    if (!Number.isInteger(maxRetries) || maxRetries < 1) {
      throw new RangeError(`maxRetries counts attempts (1 = no retry); got ${maxRetries}`);
    }
    if (!(wait >= 0)) throw new RangeError(`wait is milliseconds >= 0; got ${wait}`);
    if (id !== undefined && id === '') throw new RangeError('id must not be empty');
    if (step !== undefined && step.trim() === '') throw new RangeError('step must not be empty');
    this[EXPLICIT_ID] = id;
    this.stepName = step;
    this.maxRetries = maxRetries;
    this.wait = wait;
    this.backoff = backoff;
  }

  /**
   * Used in logs, metrics and checkpoints: the `id` option, else class name + counter, numbered in
   * graph order when the node first runs (so every build of a graph gets the same ids). Read before
   * that, it is a provisional process-wide name.
   */
  get id(): string {
    const settled = this[EXPLICIT_ID] ?? this[ASSIGNED_ID];
    if (settled !== undefined) return settled;
    this[PROVISIONAL_ID] ??= provisionalId(this);
    return this[PROVISIONAL_ID];
  }

  prep(_shared: S): P | Promise<P> {
    return undefined as P;
  }

  exec(_prepRes: ExecIn): ExecOut | Promise<ExecOut> {
    return undefined as ExecOut;
  }

  /** Called with the last error once every attempt failed; its result stands in for exec's. */
  execFallback(_prepRes: ExecIn, error: Error): ExecOut | Promise<ExecOut> {
    throw error;
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: a post that returns nothing is typed void, and means 'default'
  post(_shared: S, _prepRes: P, _execRes: E): Action | undefined | void | Promise<Action | undefined | void> {
    return undefined;
  }

  beforePrep(_shared: S): void | Promise<void> {}

  afterExec(_shared: S, _prepRes: P, _execRes: E): void | Promise<void> {}

  /** Return true to swallow the error: the step then counts as done and follows `'default'`. */
  onError(_error: Error, _shared: S): boolean | Promise<boolean> {
    return false;
  }

  /** Acquire resources for one step; `cleanup` runs afterwards whatever happens. */
  setup(_shared: S): void | Promise<void> {}

  cleanup(_shared: S): void | Promise<void> {}

  /** `a.next(b)` = `a.on('default', b)`; returns `b` so chains read left to right. */
  next<T extends AnyNode<S>>(node: T): T {
    return this.on('default', node);
  }

  on<T extends AnyNode<S>>(action: Action, node: T): T {
    const name = this[EXPLICIT_ID] ?? this[ASSIGNED_ID] ?? this.constructor.name;
    assertEdgeTarget(node, () => `The "${action}" edge of node "${name}"`);
    if (this.successors.has(action)) console.warn(`Overwriting the "${action}" edge of node "${name}"`);
    this.successors.set(action, node);
    return node;
  }

  /** Runs this node alone (a `Graph` runs its nodes); see `RunOptions`. */
  run(shared: S, options: RunOptions<S> = {}): Promise<RunResult<S>> {
    return runTop(this as AnyNode<S>, shared, options);
  }

  /** The exec phase of a step; batch nodes and graphs replace it. */
  [EXECUTE](prepRes: P, _shared: S, frame: StepFrame<S>): Promise<E> {
    // For a plain node ExecIn = P and ExecOut = E; the generics cannot say so.
    return execWithRetries(this, prepRes as unknown as ExecIn, frame) as unknown as Promise<E>;
  }

  /** A graph's start node; plain nodes have none. */
  get [INNER_START](): AnyNode<S> | undefined {
    return undefined;
  }
}
