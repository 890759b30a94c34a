import { GraphError } from '../errors.ts';
import type { Action } from '../types.ts';
import type { ChildOutcome, WaitRequest } from './requests.ts';

/** What the runtime hands back when a wait ends (`RunOptions.resumeWith`). */
export type ResumeValue =
  | { kind: 'signal'; name: string; payload: unknown }
  /** The signal's deadline passed first. */
  | { kind: 'timeout' }
  /** A sleep is over. */
  | { kind: 'wake' }
  | { kind: 'children'; outcomes: ChildOutcome[] };

/** A node that waited either gets a value for its `post`, or takes its declared timeout action. */
export type ResumeStep = { post: unknown } | { action: Action };

/** Fails with WAIT_TIMEOUT: the deadline passed and the waiting node declared no timeout action. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  readonly code = 'WAIT_TIMEOUT';
  /** Waiting again would time out again: the runtime fails the task without retries. */
  readonly retriable = false;
}

/**
 * Matches the resume value against the stored wait. A mismatch (a signal for another name, children
 * outcomes for a sleep) is a runtime bug, not the workflow's: it throws GraphError.
 */
export function resumeStep(nodeId: string, wait: WaitRequest, value: ResumeValue): ResumeStep {
  if (wait.kind === 'signal' && value.kind === 'signal' && value.name === wait.name) {
    return { post: value.payload };
  }
  if (wait.kind === 'signal' && value.kind === 'timeout') {
    if (wait.onTimeout !== null) return { action: wait.onTimeout };
    throw new WaitTimeoutError(
      `node "${nodeId}" waited for the signal "${wait.name}" past its deadline (${wait.deadline ?? 'none'})`,
    );
  }
  if (wait.kind === 'sleep' && value.kind === 'wake') return { post: undefined };
  if (wait.kind === 'children' && value.kind === 'children') {
    if (value.outcomes.length !== wait.children.length) {
      throw new GraphError(
        `node "${nodeId}" waits for ${wait.children.length} children; the resume value has ${value.outcomes.length} outcomes`,
      );
    }
    return { post: value.outcomes };
  }
  const what = value.kind === 'signal' ? `the signal "${value.name}"` : `a "${value.kind}" resume value`;
  throw new GraphError(`node "${nodeId}" waits for ${describeWait(wait)}; it cannot resume with ${what}`);
}

function describeWait(wait: WaitRequest): string {
  switch (wait.kind) {
    case 'signal':
      return `the signal "${wait.name}"`;
    case 'sleep':
      return `a sleep until ${wait.until}`;
    case 'children':
      return `${wait.children.length} child tasks`;
  }
}
