import { type ChildOutcome, runChildren, type Wait } from '@kaygraph/graph';
import type { z } from 'zod';
import type { AnyWorkflow } from './define.ts';

/** What a child task of workflow `W` completes with: its result schema's output (`unknown` without one). */
export type ChildResultOf<W extends AnyWorkflow> =
  NonNullable<W['result']> extends z.ZodType ? z.output<NonNullable<W['result']>> : unknown;

/**
 * Runs child tasks of one declared workflow and waits for all of them, typed by its definition: each
 * params object is checked against the workflow's params, and `post` receives outcomes whose `result`
 * is the workflow's result (`childResults(outcomes)` gives them in order, or throws on any failure).
 *
 * @example
 * override exec() { return runChildrenOf(thumbnail, this.images.map((image) => ({ image, width: 128 }))); }
 * override post(shared: Store, _prep: undefined, outcomes: ChildOutcome<ChildResultOf<typeof thumbnail>>[]) {
 *   shared.result = { bytes: childResults(outcomes).reduce((sum, t) => sum + t.bytes, 0) };
 * }
 */
export function runChildrenOf<const W extends AnyWorkflow>(
  workflow: W,
  params: readonly z.input<W['params']>[],
): Wait<ChildOutcome<ChildResultOf<W>>[]> {
  const children = params.map((each) => ({
    workflow: workflow.name,
    params: each as Record<string, unknown>,
  }));
  // Only the type changes: the runtime submits the same children and reports the same outcomes.
  return runChildren(children) as Wait<ChildOutcome<ChildResultOf<W>>[]>;
}
