/**
 * WORKFLOWS_MODULE of the e2e processes: the built-in catalog (so `demo` is the real one) plus `recorded`,
 * a chain of steps that each append one JSON line to `record_file` when they start, and
 * `recorded_approval` (a step, a wait for the signal `approval`, a step) and `recorded_children` (runs
 * `children` `recorded` tasks of 1, 2 or 3 steps by index and completes with their results in order), and
 * `allocating` (holds `mb` MB in a worker thread). The lines are how a
 * test proves, across processes, which node ran in which attempt on which pid (a checkpoint resume must
 * not start an earlier node again). Worker threads import this module by path, so it exports `catalog`
 * and `createServices` like `@kaygraph/workflows/catalog`.
 */
import { appendFileSync } from 'node:fs';
import { type ChildOutcome, childResults, Graph, Node, runChildren, sleep, WaitNode } from '@kaygraph/graph';
// Worker threads import this module: the lean entries keep the package's main one (database driver,
// stores) out of them.
import { defineWorkflow, waitForDeclared } from '@kaygraph/workflows/authoring';
import { catalog as builtins } from '@kaygraph/workflows/catalog';
import { z } from 'zod';

export { createServices } from '@kaygraph/workflows/catalog';

export const RecordedParams = z.object({
  steps: z.number().int().min(1).max(50).default(3),
  step_ms: z.number().int().min(0).max(60_000).default(50),
  record_file: z.string().min(1),
});
type RecordedParams = z.output<typeof RecordedParams>;

/** One line of `record_file`. */
export interface StepStart {
  task_id: string;
  node: string;
  attempt: number;
  pid: number;
}

interface Shared {
  ran?: string[];
  result?: unknown;
}

class RecordedStep extends Node<Shared> {
  readonly config: RecordedParams;

  constructor(index: number, config: RecordedParams) {
    super({ id: `step_${index}` });
    this.config = config;
  }

  override async exec(): Promise<void> {
    const start: StepStart = {
      task_id: String(this.params.task_id ?? ''),
      node: this.id,
      attempt: Number(this.params.attempt ?? 1),
      pid: process.pid,
    };
    // One small O_APPEND write per line: lines of concurrent processes never interleave.
    appendFileSync(this.config.record_file, `${JSON.stringify(start)}\n`);
    this.ctx.progress({ step: this.id, message: `attempt ${start.attempt}` });
    if (this.config.step_ms > 0) await sleep(this.config.step_ms, this.ctx.signal);
  }

  override post(shared: Shared): void {
    shared.ran = [...(shared.ran ?? []), this.id];
    shared.result = { ran: shared.ran };
  }
}

export const recorded = defineWorkflow({
  name: 'recorded',
  description: 'Steps that record their start (task, node, attempt, pid) in a file; for process tests.',
  params: RecordedParams,
  result: z.object({ ran: z.array(z.string()) }),
  defaults: { max_retries: 3, retry_delay_seconds: 0, timeout_seconds: 600 },
  inline: true,
  graph: (params) => {
    const [first, ...rest] = Array.from({ length: params.steps }, (_, i) => new RecordedStep(i + 1, params));
    if (!first) throw new RangeError('recorded needs at least one step');
    rest.reduce<RecordedStep>((previous, step) => previous.next(step), first);
    return new Graph<Shared>(first);
  },
});

const approvalSignals = { approval: z.object({ approved: z.boolean() }) };
type Approval = z.output<(typeof approvalSignals)['approval']>;

/** Records its start like a step, then waits for `approval`; its `post` keeps the payload. */
class AwaitApproval extends WaitNode<Shared & { approval?: Approval }, undefined, Approval> {
  readonly recordFile: string;

  constructor(recordFile: string) {
    super({ id: 'await_approval' });
    this.recordFile = recordFile;
  }

  override exec() {
    const start: StepStart = {
      task_id: String(this.params.task_id ?? ''),
      node: this.id,
      attempt: Number(this.params.attempt ?? 1),
      pid: process.pid,
    };
    appendFileSync(this.recordFile, `${JSON.stringify(start)}\n`);
    return waitForDeclared(approvalSignals, 'approval');
  }

  override post(shared: Shared & { approval?: Approval }, _prep: undefined, approval: Approval) {
    shared.approval = approval;
    return undefined;
  }
}

export const recordedApproval = defineWorkflow({
  name: 'recorded_approval',
  description: 'A recorded step, a wait for the signal `approval`, a recorded step; for process tests.',
  params: RecordedParams,
  signals: approvalSignals,
  defaults: { max_retries: 3, retry_delay_seconds: 0, timeout_seconds: 600 },
  inline: true,
  graph: (params) => {
    const config = { ...params, steps: 2 };
    const first = new RecordedStep(1, config);
    first.next(new AwaitApproval(params.record_file)).next(new RecordedStep(2, config));
    return new Graph<Shared>(first);
  },
});

export const RecordedChildrenParams = RecordedParams.extend({
  children: z.number().int().min(1).max(1000),
});
type RecordedChildrenParams = z.output<typeof RecordedChildrenParams>;

/** Child `i` runs `i % 3 + 1` steps, so each child's result tells its place. */
class SpawnRecorded extends WaitNode<Shared, undefined, ChildOutcome[]> {
  readonly config: RecordedChildrenParams;

  constructor(config: RecordedChildrenParams) {
    super({ id: 'spawn' });
    this.config = config;
  }

  override exec() {
    const { children, step_ms, record_file } = this.config;
    return runChildren(
      Array.from({ length: children }, (_, i) => ({
        workflow: 'recorded',
        params: { steps: (i % 3) + 1, step_ms, record_file },
      })),
    );
  }

  override post(shared: Shared, _prep: undefined, outcomes: ChildOutcome[]) {
    shared.result = { results: childResults(outcomes) };
    return undefined;
  }
}

export const recordedChildren = defineWorkflow({
  name: 'recorded_children',
  description: 'Runs `children` recorded tasks and completes with their results in order; for process tests.',
  params: RecordedChildrenParams,
  defaults: { max_retries: 0, timeout_seconds: 600 },
  inline: true,
  graph: (params) => new Graph<Shared>(new SpawnRecorded(params)),
});

/** Holds `mb` megabytes of live heap for a moment, in a worker thread: the thread's memory cap ends it. */
class Allocate extends Node<Shared> {
  readonly mb: number;

  constructor(mb: number) {
    super({ id: 'allocate' });
    this.mb = mb;
  }

  override async exec(): Promise<void> {
    const held: number[][] = [];
    for (let i = 0; i < this.mb; i++) held.push(new Array<number>(128 * 1024).fill(i));
    await sleep(10, this.ctx.signal);
    this.ctx.progress({ step: this.id, message: `held ${held.length} MB` });
  }
}

export const allocating = defineWorkflow({
  name: 'allocating',
  description: 'Holds `mb` MB of live heap in a worker thread; for the thread memory cap.',
  params: z.object({ mb: z.number().int().min(1).max(4096) }),
  defaults: { max_retries: 0, timeout_seconds: 120 },
  graph: (params) => new Graph<Shared>(new Allocate(params.mb)),
});

export const catalog = builtins.with(recorded).with(recordedApproval).with(recordedChildren).with(allocating);
