import type { Checkpoint } from './types.ts';

/** Where a checkpoint left its run: top-level steps done, and the node that completed last. */
export interface ResumePoint {
  completedSteps: number;
  lastNodeId: string | null;
}

/**
 * Reads checkpoints of every release: those written before `completedSteps` listed each completed
 * top-level node instead (`completedNodeIds`), so their length is the step count.
 */
export function resumePoint<S>(checkpoint: Checkpoint<S>): ResumePoint {
  const listed = checkpoint.completedNodeIds;
  return {
    completedSteps: checkpoint.completedSteps ?? listed?.length ?? 0,
    lastNodeId: checkpoint.lastNodeId ?? listed?.at(-1) ?? null,
  };
}

/**
 * `completedNodeIds` as written now: the previous release's engine spreads the list when it resumes (and
 * takes its length as the steps done, its progress floored by the task's own), so it must be an array.
 */
export function compatibleNodeIds(lastNodeId: string | null): string[] {
  return lastNodeId === null ? [] : [lastNodeId];
}
