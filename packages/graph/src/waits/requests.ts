import type { Action } from '../types.ts';

/** A point in time: seconds from now, or an instant (a Date or an ISO 8601 string). */
export type WaitTime = { seconds: number } | { until: Date | string };

/** A child task for the runtime to submit: the engine only describes it. */
export interface ChildTaskSpec {
  workflow: string;
  params: Record<string, unknown>;
}

/** How one child task ended, as the runtime reports it (in the order the children were given). */
export type ChildOutcome<R = unknown> =
  | { task_id: string; status: 'completed'; result: R }
  | { task_id: string; status: 'failed' | 'cancelled'; error: { code: string; message: string } | null };

/**
 * What a waiting node asks the runtime for. Plain JSON (times as ISO strings), so it is stored with
 * the checkpoint as it is.
 */
export type WaitRequest =
  | { kind: 'signal'; name: string; deadline: string | null; onTimeout: Action | null }
  | { kind: 'sleep'; until: string }
  | { kind: 'children'; children: ChildTaskSpec[] };

declare const resumeType: unique symbol;
const WAIT_BRAND: unique symbol = Symbol.for('kaygraph.wait');

/**
 * A wait request as a waiting node's `exec` returns it. `R` is what the node's `post` receives on
 * resume (the signal payload, the children's outcomes); it exists only for the type checker.
 */
export type Wait<R> = WaitRequest & { readonly [WAIT_BRAND]: true; readonly [resumeType]?: R };

export function isWait(value: unknown): value is Wait<unknown> {
  return typeof value === 'object' && value !== null && WAIT_BRAND in value;
}

/** The request without its brand: what a checkpoint stores. */
export function plainRequest(wait: WaitRequest): WaitRequest {
  switch (wait.kind) {
    case 'signal':
      return { kind: 'signal', name: wait.name, deadline: wait.deadline, onTimeout: wait.onTimeout };
    case 'sleep':
      return { kind: 'sleep', until: wait.until };
    case 'children':
      return {
        kind: 'children',
        children: wait.children.map((child) => ({ workflow: child.workflow, params: child.params })),
      };
  }
}

function branded<R>(request: WaitRequest): Wait<R> {
  return Object.assign(request, { [WAIT_BRAND]: true as const }) as Wait<R>;
}

export function resolveTime(time: WaitTime, now: number = Date.now()): string {
  if ('seconds' in time) {
    if (!(Number.isFinite(time.seconds) && time.seconds >= 0)) {
      throw new RangeError(`wait seconds must be a finite number >= 0; got ${time.seconds}`);
    }
    return new Date(now + time.seconds * 1000).toISOString();
  }
  const at = time.until instanceof Date ? time.until : new Date(time.until);
  if (Number.isNaN(at.getTime())) throw new RangeError(`not a valid time: ${String(time.until)}`);
  return at.toISOString();
}

export interface SignalWaitOptions {
  /** When the wait gives up; none: it waits until the signal comes (or the task is cancelled). */
  deadline?: WaitTime;
  /** The action the node takes when the deadline passes; without one the run fails with WAIT_TIMEOUT. */
  onTimeout?: Action;
}

/**
 * Waits for the signal `name`; the node's `post` receives its payload (validated by the runtime
 * against the workflow's declared schema).
 *
 * @example
 * override exec() {
 *   return waitForSignal<Approval>('approval', { deadline: { seconds: 86_400 }, onTimeout: 'timeout' });
 * }
 */
export function waitForSignal<T>(name: string, options: SignalWaitOptions = {}): Wait<T> {
  if (name === '') throw new RangeError('a signal needs a name');
  if (options.onTimeout === '') throw new RangeError('onTimeout must name an action');
  return branded<T>({
    kind: 'signal',
    name,
    deadline: options.deadline ? resolveTime(options.deadline) : null,
    onTimeout: options.onTimeout ?? null,
  });
}

/** A durable sleep: the task holds nothing until then; `post` receives `undefined`. */
export function sleepFor(time: WaitTime): Wait<undefined> {
  return branded<undefined>({ kind: 'sleep', until: resolveTime(time) });
}

/**
 * Runs child tasks and waits for all of them; `post` receives their outcomes in the given order,
 * failures included (see `childResults` to fail on any).
 */
export function runChildren(children: readonly ChildTaskSpec[]): Wait<ChildOutcome[]> {
  if (children.length === 0) throw new RangeError('runChildren needs at least one child');
  return branded<ChildOutcome[]>({
    kind: 'children',
    children: children.map((child) => ({ workflow: child.workflow, params: { ...child.params } })),
  });
}
