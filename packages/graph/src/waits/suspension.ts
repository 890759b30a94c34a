import type { Action } from '../types.ts';
import type { WaitRequest } from './requests.ts';
import type { ResumeValue } from './resume.ts';

/** One level of the path to a waiting node: its id and what its `prep` returned (given to `post`). */
export interface WaitFrame {
  nodeId: string;
  prepRes: unknown;
}

/** Where a suspended run waits: the request and the path to the node, outermost level first. */
export interface WaitingState {
  wait: WaitRequest;
  frames: WaitFrame[];
}

/**
 * Unwinds the steps from a waiting node to the run: each enclosing graph step adds its frame,
 * the outermost graph adds where it stood. Not a failure: no onError sees it, no retry follows.
 */
export class SuspendRun extends Error {
  override name = 'SuspendRun';
  readonly wait: WaitRequest;
  readonly frames: WaitFrame[] = [];
  completedSteps = 0;
  lastNodeId: string | null = null;
  lastAction: Action | null = null;

  constructor(wait: WaitRequest) {
    super('the run is waiting');
    this.wait = wait;
  }
}

/** A resume in progress: the frames from the current level down to the waiting node. */
export interface StepResume {
  readonly wait: WaitRequest;
  readonly frames: readonly WaitFrame[];
  readonly value: ResumeValue;
}
