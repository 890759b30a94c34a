import { Graph, Node } from '@kaygraph/graph';
import { z } from 'zod';
import { builtinWorkflow } from '../builtin-workflow.ts';
import { defineWorkflow, type WorkflowShared } from '../define.ts';
import { attemptOf, chain, sleep, throwIfAborted, yieldToEventLoop } from '../run-params.ts';

export const DemoParams = z.strictObject({
  /** Nodes in the chain, each one a checkpoint. */
  steps: z.number().int().min(1).max(1000).default(3),
  /** Time each step waits (cancellable at any moment). */
  step_ms: z.number().int().min(0).max(600_000).default(100),
  /** CPU time each step burns (in slices, so cancellation still gets through). */
  cpu_ms: z.number().int().min(0).max(600_000).default(0),
  /** The first this-many attempts of the task fail (at `fail_step`), to try retries and dead letters. */
  fail_attempts: z.number().int().min(0).max(50).default(0),
  /** The step that fails (1-based); default: the last, so a retry shows that earlier steps are not rerun. */
  fail_step: z.number().int().min(1).optional(),
  /** Returned as `result.result`. */
  result: z.unknown().optional(),
});
export type DemoParams = z.output<typeof DemoParams>;

export const DemoResult = z.object({
  result: z.unknown(),
  /** Every step that ran, with the attempt that ran it. */
  steps: z.array(z.object({ step: z.number().int(), attempt: z.number().int() })),
  attempt: z.number().int(),
});
export type DemoResult = z.output<typeof DemoResult>;

interface DemoShared extends WorkflowShared {
  steps?: Array<{ step: number; attempt: number }>;
}

/** Thrown by a failing demo attempt. */
export class DemoFailure extends Error {
  override name = 'DemoFailure';
}

class DemoStep extends Node<DemoShared> {
  readonly step: number;
  readonly config: DemoParams;

  constructor(step: number, config: DemoParams) {
    super({ id: `step_${step}`, step: `Step ${step} of ${config.steps}` });
    this.step = step;
    this.config = config;
  }

  override async exec(): Promise<void> {
    const { steps, step_ms, cpu_ms, fail_attempts, fail_step } = this.config;
    const label = `Step ${this.step} of ${steps}`;
    this.ctx.progress({ step: label, percent: 0, message: `attempt ${attemptOf(this)}` });
    if (step_ms > 0) await sleep(step_ms, this.ctx.signal);
    await burnCpu(cpu_ms, this.ctx.signal);
    const attempt = attemptOf(this);
    if (attempt <= fail_attempts && this.step === Math.min(fail_step ?? steps, steps)) {
      throw new DemoFailure(
        `demo attempt ${attempt} fails at step ${this.step} (fail_attempts: ${fail_attempts})`,
      );
    }
    this.ctx.progress({ step: label, percent: 100 });
  }

  override post(shared: DemoShared): void {
    shared.steps = [...(shared.steps ?? []), { step: this.step, attempt: attemptOf(this) }];
  }
}

class DemoFinish extends Node<DemoShared> {
  readonly value: unknown;

  constructor(value: unknown) {
    super({ id: 'finish' });
    this.value = value;
  }

  override post(shared: DemoShared): void {
    const result: DemoResult = {
      result: this.value ?? null,
      steps: shared.steps ?? [],
      attempt: attemptOf(this),
    };
    shared.result = result;
  }
}

/** Busy CPU work in 10 ms slices with a yield in between, so an abort is seen within a slice. */
async function burnCpu(ms: number, signal: AbortSignal): Promise<void> {
  const end = performance.now() + ms;
  let sink = 0;
  while (performance.now() < end) {
    const sliceEnd = Math.min(end, performance.now() + 10);
    while (performance.now() < sliceEnd) sink += Math.sqrt(sink + 1);
    await yieldToEventLoop();
    throwIfAborted(signal);
  }
}

export const demo = builtinWorkflow(
  defineWorkflow({
    name: 'demo',
    description:
      'A chain of steps that wait (and optionally burn CPU), fail their first attempts on request and return ' +
      'a given result: for trying the service and for tests.',
    params: DemoParams,
    result: DemoResult,
    defaults: { max_retries: 3, retry_delay_seconds: 1, timeout_seconds: 600 },
    // Only a run that burns CPU needs a worker thread; the others wait and write, which the main thread does.
    inline: (params) => params.cpu_ms === 0,
    graph: (params) => {
      const steps = Array.from({ length: params.steps }, (_, i) => new DemoStep(i + 1, params));
      const [first, ...rest] = steps;
      if (!first) throw new RangeError('demo needs at least one step');
      return new Graph<DemoShared>(chain(first, ...rest, new DemoFinish(params.result)));
    },
  }),
);
