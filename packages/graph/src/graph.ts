import { compatibleNodeIds, resumePoint } from './checkpoint.ts';
import { type ProgressScope, RangeScope } from './context/progress.ts';
import type { RunState } from './context/run-state.ts';
import { copyNode } from './copy.ts';
import { assertEdgeTarget } from './edge-target.ts';
import { ResumeMismatchError, throwIfAborted } from './errors.ts';
import { assertUniqueIds, nodesOfLevel } from './ids.ts';
import { EXECUTE, INNER_START, type StepFrame, type TopLevel } from './internal.ts';
import { type AnyNode, Node } from './node.ts';
import { longestPathEstimator } from './paths.ts';
import { runStep } from './step.ts';
import { isThenable } from './thenable.ts';
import type { Action, Checkpoint, NodeOptions, UnwiredEnd } from './types.ts';
import { type StepResume, SuspendRun } from './waits/suspension.ts';

/**
 * Runs nodes from `start`, following the action each returns. A graph is a node: it nests, and its
 * last action drives the outer edge. Each step runs a fresh copy of its node.
 *
 * @example
 * const load = new Load();
 * load.next(new Review()).on('approve', new Publish());
 * const { action, shared, metrics } = await new Graph(load).run({ url }, { signal, onProgress });
 */
export class Graph<S = Record<string, unknown>> extends Node<S> {
  readonly startNode: AnyNode<S>;

  constructor(start: AnyNode<S>, options?: NodeOptions) {
    super(options);
    assertEdgeTarget(start, () => `The start of graph "${options?.id ?? new.target.name}"`);
    this.startNode = start;
    // Default ids are numbered when the outermost graph runs; explicit duplicates fail right here.
    assertUniqueIds(this, true);
  }

  override get [INNER_START](): AnyNode<S> {
    return this.startNode;
  }

  /** A graph's result is its last node's action. */
  override post(_shared: S, _prepRes: unknown, execRes: unknown): Action | undefined {
    return typeof execRes === 'string' ? execRes : undefined;
  }

  override async [EXECUTE](_prepRes: unknown, shared: S, frame: StepFrame<S>): Promise<unknown> {
    const end = await orchestrate(
      this.startNode,
      shared,
      { ...this.params },
      frame.run,
      frame.scope,
      frame.top,
      frame.resume,
      // Nested, its last action takes one of its own edges: an inner action ending it that way is meant.
      frame.top ? undefined : this.successors,
    );
    // `this` is this step's copy: the level around it reads how the graph ended (see `levelEnd`).
    if (end.unwired) frame.run.unwiredEnds.set(this, end.unwired);
    return end.action;
  }
}

/** How one graph level ended: its last action and, when that action had no edge, where. */
export interface LevelEnd {
  action: Action;
  unwired: UnwiredEnd | null;
}

/**
 * The step loop of one graph level. Progress: step k of an estimated k + (longest path left) steps,
 * so a branchy graph advances evenly and a loop only slows the estimate down (never backwards).
 */
export async function orchestrate<S>(
  start: AnyNode<S>,
  shared: S,
  params: Record<string, unknown>,
  run: RunState,
  scope: ProgressScope,
  top: TopLevel<S> | undefined,
  resume?: StepResume,
  exits?: ReadonlyMap<Action, unknown>,
): Promise<LevelEnd> {
  const longest = longestPathEstimator();
  const resumed = top?.resumeFrom ? resumePoint(top.resumeFrom) : null;
  let current: AnyNode<S> | undefined = resume
    ? levelNode(start, resume.frames[0]?.nodeId ?? null)
    : top?.resumeFrom
      ? levelNode(start, top.resumeFrom.nextNodeId)
      : start;
  let lastAction: Action = top?.resumeFrom?.lastAction ?? 'default';
  // A count and the last id, not the list of steps: a loop's checkpoint stays the same size.
  let stepsDone = resumed?.completedSteps ?? 0;
  let lastNodeId = resumed?.lastNodeId ?? null;
  let unwired: UnwiredEnd | null = null;
  // Only the first step of a resumed level continues the wait; the steps after it run as usual.
  let resuming = resume;
  while (current) {
    const pause = run.pauseIfBusy();
    if (pause) await pause;
    throwIfAborted(run.signal);
    const total = stepsDone + longest(current);
    const stepScope = new RangeScope(scope, stepsDone / total, (stepsDone + 1) / total);
    const step = copyNode(current);
    // Each node gets its own copy (KayGraph's set_params copies): a node's writes stay its own.
    step.params = { ...params };
    try {
      lastAction = await runStep(step, shared, run, stepScope, resuming ? { resume: resuming } : {});
    } catch (error) {
      if (error instanceof SuspendRun && top) {
        // The outermost level says where the run stands: the checkpoint resumes at this node.
        error.completedSteps = stepsDone;
        error.lastNodeId = lastNodeId;
        error.lastAction = lastAction;
      }
      throw error;
    }
    resuming = undefined;
    stepsDone++;
    lastNodeId = current.id;
    const next = successorFor(current, lastAction, run, exits);
    if (!next) unwired = levelEnd(current, step, lastAction, run, exits);
    if (top) {
      const checkpoint: Checkpoint<S> = {
        nextNodeId: next?.id ?? null,
        shared,
        completedSteps: stepsDone,
        lastNodeId,
        completedNodeIds: compatibleNodeIds(lastNodeId),
        lastAction,
      };
      const stored = top.onCheckpoint?.(checkpoint);
      if (isThenable(stored)) await stored;
    }
    current = next;
  }
  return { action: lastAction, unwired };
}

/** The node an action leads to; a warning when it leads nowhere, unless it leaves through an `exits` edge. */
function successorFor<S>(
  node: AnyNode<S>,
  action: Action,
  run: RunState,
  exits: ReadonlyMap<Action, unknown> | undefined,
): AnyNode<S> | undefined {
  const next = node.successors.get(action);
  if (!next && isUnwired(node, action, exits)) {
    const known = [...node.successors.keys()].map((name) => `"${name}"`).join(', ');
    run.warn(
      `Graph ends: node "${node.id}" returned action "${action}", which has no edge (edges: ${known})`,
      {
        node_id: node.id,
        action,
      },
    );
  }
  return next;
}

/** An action that ends the level though its node has edges (and it does not leave a nested graph on purpose). */
function isUnwired<S>(
  node: AnyNode<S>,
  action: Action,
  exits: ReadonlyMap<Action, unknown> | undefined,
): boolean {
  return !node.successors.has(action) && node.successors.size > 0 && !exits?.has(action);
}

/**
 * Why a level ended after `node`'s step: a nested graph that ended on an unwired action passes that on (its
 * innermost node is the one to name), else the node's own action when it has no edge; null when it has none.
 */
function levelEnd<S>(
  node: AnyNode<S>,
  step: AnyNode<S>,
  action: Action,
  run: RunState,
  exits: ReadonlyMap<Action, unknown> | undefined,
): UnwiredEnd | null {
  const inner = run.unwiredEnds.get(step);
  if (inner?.action === action) return inner;
  return isUnwired(node, action, exits) ? { nodeId: node.id, action } : null;
}

/** The node of this graph level a resume continues at (none: the checkpointed run had finished). */
function levelNode<S>(start: AnyNode<S>, nodeId: string | null): AnyNode<S> | undefined {
  if (nodeId === null) return undefined;
  const found = nodesOfLevel(start).find((node) => node.id === nodeId);
  if (!found) {
    throw new ResumeMismatchError(
      `Cannot resume: the graph has no node "${nodeId}" (was it built differently?)`,
    );
  }
  return found as AnyNode<S>;
}
