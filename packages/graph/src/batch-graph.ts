import type { ParallelBatchOptions } from './batch.ts';
import { splitScope } from './context/progress.ts';
import { GraphError } from './errors.ts';
import { Graph, orchestrate } from './graph.ts';
import { EXECUTE, type StepFrame } from './internal.ts';
import type { AnyNode } from './node.ts';
import { checkConcurrency, DEFAULT_CONCURRENCY, mapWithConcurrency } from './pool.ts';
import type { Action } from './types.ts';
import { SuspendRun } from './waits/suspension.ts';

type ParamsSet = Record<string, unknown>;

/**
 * `prep` returns params sets; the graph runs once per set with `{ ...graph.params, ...set }` as
 * every node's params. Returns `'default'` (override `post` to choose). Not checkpointed inside:
 * as a top-level graph it emits no checkpoints and cannot resume.
 *
 * @example
 * class PerFile extends BatchGraph<Store> {
 *   override prep(shared: Store) { return shared.files.map((file) => ({ file })); }
 * }
 */
export class BatchGraph<S = Record<string, unknown>> extends Graph<S> {
  override prep(_shared: S): ParamsSet[] | Promise<ParamsSet[]> {
    return [];
  }

  override post(_shared: S, _prepRes: unknown, _execRes: unknown): Action | undefined {
    return undefined;
  }

  override [EXECUTE](prepRes: unknown, shared: S, frame: StepFrame<S>): Promise<Action[]> {
    return runParamsSets(this, prepRes, shared, frame, 1);
  }
}

/** A `BatchGraph` whose sets run concurrently (at most `concurrency` at once) over the same store. */
export class ParallelBatchGraph<S = Record<string, unknown>> extends BatchGraph<S> {
  readonly concurrency: number;

  constructor(start: AnyNode<S>, options: ParallelBatchOptions = {}) {
    super(start, options);
    this.concurrency = checkConcurrency(options.concurrency ?? DEFAULT_CONCURRENCY);
  }

  override [EXECUTE](prepRes: unknown, shared: S, frame: StepFrame<S>): Promise<Action[]> {
    return runParamsSets(this, prepRes, shared, frame, this.concurrency);
  }
}

function runParamsSets<S>(
  graph: BatchGraph<S>,
  prepRes: unknown,
  shared: S,
  frame: StepFrame<S>,
  concurrency: number,
): Promise<Action[]> {
  if (frame.top?.resumeFrom) throw new GraphError(`BatchGraph "${graph.id}" cannot resume from a checkpoint`);
  const sets = toParamsSets(graph, prepRes);
  const parts = splitScope(frame.scope, sets.length);
  return mapWithConcurrency(sets, concurrency, frame.run, async (set, index) => {
    const scope = parts[index] ?? frame.scope;
    try {
      const end = await orchestrate(
        graph.startNode,
        shared,
        { ...graph.params, ...set },
        frame.run,
        scope,
        undefined,
      );
      return end.action;
    } catch (error) {
      // A params set has no place in a checkpoint, so it could never be resumed.
      if (error instanceof SuspendRun)
        throw new GraphError(`a node inside BatchGraph "${graph.id}" cannot wait`);
      throw error;
    }
  });
}

function toParamsSets<S>(graph: BatchGraph<S>, prepRes: unknown): ParamsSet[] {
  if (prepRes === undefined || prepRes === null) return [];
  if (!Array.isArray(prepRes) || !prepRes.every(isParamsSet)) {
    throw new GraphError(`prep of BatchGraph "${graph.id}" must return an array of params objects`);
  }
  return prepRes;
}

function isParamsSet(value: unknown): value is ParamsSet {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
