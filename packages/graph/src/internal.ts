import type { ProgressScope } from './context/progress.ts';
import type { RunState } from './context/run-state.ts';
import type { Checkpoint } from './types.ts';
import type { StepResume } from './waits/suspension.ts';

/** Symbol-keyed internals: subclasses can use any method name without colliding with the engine. */
export const EXECUTE: unique symbol = Symbol('kaygraph.execute');
export const INNER_START: unique symbol = Symbol('kaygraph.innerStart');
export const EXPLICIT_ID: unique symbol = Symbol('kaygraph.explicitId');
export const ASSIGNED_ID: unique symbol = Symbol('kaygraph.assignedId');
export const PROVISIONAL_ID: unique symbol = Symbol('kaygraph.provisionalId');

/** Only the outermost graph of a run checkpoints and resumes. */
export interface TopLevel<S> {
  resumeFrom: Checkpoint<S> | undefined;
  onCheckpoint: ((checkpoint: Checkpoint<S>) => void | Promise<void>) | undefined;
}

/** What the exec phase of a step needs: where it reports and what its metric will say. */
export interface ExecFrame {
  readonly run: RunState;
  readonly scope: ProgressScope;
  attempts: number;
  usedFallback: boolean;
}

/** One node step in progress. */
export interface StepFrame<S> extends ExecFrame {
  readonly top: TopLevel<S> | undefined;
  /** Set when this step is a graph resuming a wait somewhere inside it: the frames below this level. */
  readonly resume: StepResume | undefined;
}
