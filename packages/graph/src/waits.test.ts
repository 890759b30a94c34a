import { describe, expect, it } from 'vitest';
import {
  BatchGraph,
  type Checkpoint,
  type ChildOutcome,
  ChildTasksFailedError,
  childResults,
  Graph,
  GraphError,
  Node,
  type RunResult,
  runChildren,
  sleepFor,
  WaitNode,
  WaitTimeoutError,
  waitForSignal,
} from './index.ts';

interface Approval {
  approved: boolean;
  note?: string;
}

interface Store {
  log: string[];
  draft?: string;
  note?: string;
}

class Step extends Node<Store> {
  constructor(id: string) {
    super({ id });
  }
  override post(shared: Store) {
    shared.log.push(this.id);
  }
}

class AwaitApproval extends WaitNode<Store, string, Approval> {
  readonly onTimeout: string | undefined;
  constructor(onTimeout?: string) {
    super({ id: 'approval' });
    this.onTimeout = onTimeout;
  }
  override prep(shared: Store) {
    shared.log.push('approval.prep');
    return `draft: ${shared.draft ?? ''}`;
  }
  override exec() {
    return waitForSignal<Approval>('approval', {
      deadline: { seconds: 3600 },
      ...(this.onTimeout ? { onTimeout: this.onTimeout } : {}),
    });
  }
  override post(shared: Store, prepRes: string, approval: Approval) {
    shared.log.push(`approval.post(${prepRes})`);
    if (approval.note !== undefined) shared.note = approval.note;
    return approval.approved ? 'approved' : 'rejected';
  }
}

class Draft extends Node<Store> {
  constructor() {
    super({ id: 'draft' });
  }
  override post(shared: Store) {
    shared.log.push('draft');
    shared.draft = 'v1';
  }
}

/** A fresh build per run, as a worker builds it for every attempt. */
function reviewGraph(onTimeout?: string): Graph<Store> {
  const draft = new Draft();
  const approval = draft.next(new AwaitApproval(onTimeout));
  approval.on('approved', new Step('publish'));
  approval.on('rejected', new Step('revise')).next(approval);
  approval.on('timeout', new Step('timed_out'));
  return new Graph(draft);
}

/** Checkpoints reach the runtime's database as JSON; the tests take the same road. */
const stored = (checkpoint: Checkpoint<Store>): Checkpoint<Store> => JSON.parse(JSON.stringify(checkpoint));

function suspendedCheckpoint(result: RunResult<Store>): Checkpoint<Store> {
  if (result.outcome !== 'suspended') throw new Error(`expected a suspended run, got ${result.outcome}`);
  return stored(result.checkpoint);
}

describe('waiting for a signal', () => {
  it('suspends the run at the waiting node with a checkpoint of where to resume', async () => {
    const checkpoints: string[] = [];
    const before = Date.now();
    const result = await reviewGraph().run(
      { log: [] },
      { onCheckpoint: (cp) => void checkpoints.push(String(cp.nextNodeId)) },
    );
    expect(result.outcome).toBe('suspended');
    if (result.outcome !== 'suspended') return;
    expect(result.wait).toMatchObject({ kind: 'signal', name: 'approval', onTimeout: null });
    const deadline = result.wait.kind === 'signal' ? Date.parse(result.wait.deadline ?? '') : Number.NaN;
    expect(deadline).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 3_600_000);
    expect(result.checkpoint).toMatchObject({
      nextNodeId: 'approval',
      completedSteps: 1,
      lastNodeId: 'draft',
      completedNodeIds: ['draft'],
      lastAction: 'default',
      waiting: { frames: [{ nodeId: 'approval', prepRes: 'draft: v1' }] },
    });
    expect(result.shared.log).toEqual(['draft', 'approval.prep']);
    // Only completed nodes checkpoint: the waiting one is in the suspended run's checkpoint instead.
    expect(checkpoints).toEqual(['approval']);
    expect(result.metrics.map((m) => [m.node_id, m.action])).toEqual([
      ['draft', 'default'],
      ['approval', null],
    ]);
  });

  it('resumes on a fresh graph with the payload: post picks the edge, nothing before the wait runs again', async () => {
    const checkpoint = suspendedCheckpoint(await reviewGraph().run({ log: [] }));
    const result = await reviewGraph().run(
      { log: [] },
      {
        resumeFrom: checkpoint,
        resumeWith: { kind: 'signal', name: 'approval', payload: { approved: true, note: 'ship it' } },
      },
    );
    expect(result).toMatchObject({ outcome: 'completed', action: 'default' });
    expect(result.shared).toEqual({
      draft: 'v1',
      note: 'ship it',
      log: ['draft', 'approval.prep', 'approval.post(draft: v1)', 'publish'],
    });
  });

  it('a resumed run with progressFrom reports nothing below it, and still reaches 100', async () => {
    const checkpoint = suspendedCheckpoint(await reviewGraph().run({ log: [] }));
    const percents: number[] = [];
    const resumeWith = { kind: 'signal', name: 'approval', payload: { approved: true } } as const;
    await reviewGraph().run(
      { log: [] },
      { resumeFrom: checkpoint, resumeWith, onProgress: (report) => percents.push(report.percent) },
    );
    // Without it the resumed run reports its own estimate, from below where its task may stand.
    expect(percents[0]).toBeLessThan(90);
    percents.length = 0;
    await reviewGraph().run(
      { log: [] },
      {
        resumeFrom: checkpoint,
        resumeWith,
        progressFrom: 90,
        onProgress: (report) => percents.push(report.percent),
      },
    );
    expect(percents.length).toBeGreaterThan(0);
    expect(Math.min(...percents)).toBeGreaterThanOrEqual(90);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(percents.at(-1)).toBe(100);
  });

  it('waits again when the graph loops back to the wait, and the second wait resumes too', async () => {
    const first = suspendedCheckpoint(await reviewGraph().run({ log: [] }));
    const rejected = await reviewGraph().run(
      { log: [] },
      { resumeFrom: first, resumeWith: { kind: 'signal', name: 'approval', payload: { approved: false } } },
    );
    const second = suspendedCheckpoint(rejected);
    expect(second).toMatchObject({
      nextNodeId: 'approval',
      completedSteps: 3,
      lastNodeId: 'revise',
    });
    const done = await reviewGraph().run(
      { log: [] },
      { resumeFrom: second, resumeWith: { kind: 'signal', name: 'approval', payload: { approved: true } } },
    );
    expect(done.outcome).toBe('completed');
    expect(done.shared.log).toEqual([
      'draft',
      'approval.prep',
      'approval.post(draft: v1)',
      'revise',
      'approval.prep',
      'approval.post(draft: v1)',
      'publish',
    ]);
  });

  it('takes the declared timeout action when the deadline passed, without calling post', async () => {
    const checkpoint = suspendedCheckpoint(await reviewGraph('timeout').run({ log: [] }));
    expect(checkpoint.waiting?.wait).toMatchObject({ kind: 'signal', onTimeout: 'timeout' });
    const result = await reviewGraph('timeout').run(
      { log: [] },
      { resumeFrom: checkpoint, resumeWith: { kind: 'timeout' } },
    );
    expect(result.outcome).toBe('completed');
    expect(result.shared.log).toEqual(['draft', 'approval.prep', 'timed_out']);
  });

  it('fails the run with WAIT_TIMEOUT when the node declared no timeout action', async () => {
    const checkpoint = suspendedCheckpoint(await reviewGraph().run({ log: [] }));
    const resumed = reviewGraph().run(
      { log: [] },
      { resumeFrom: checkpoint, resumeWith: { kind: 'timeout' } },
    );
    await expect(resumed).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(
      reviewGraph().run({ log: [] }, { resumeFrom: checkpoint, resumeWith: { kind: 'timeout' } }),
    ).rejects.toMatchObject({ code: 'WAIT_TIMEOUT', retriable: false });
  });

  it('refuses resume values that do not fit the wait', async () => {
    const checkpoint = suspendedCheckpoint(await reviewGraph().run({ log: [] }));
    const graph = reviewGraph();
    await expect(
      graph.run(
        { log: [] },
        { resumeFrom: checkpoint, resumeWith: { kind: 'signal', name: 'other', payload: {} } },
      ),
    ).rejects.toThrow(
      'node "approval" waits for the signal "approval"; it cannot resume with the signal "other"',
    );
    await expect(graph.run({ log: [] }, { resumeFrom: checkpoint })).rejects.toBeInstanceOf(GraphError);
    const { waiting: _waiting, ...plain } = checkpoint;
    await expect(
      graph.run({ log: [] }, { resumeFrom: plain, resumeWith: { kind: 'wake' } }),
    ).rejects.toBeInstanceOf(GraphError);
  });
});

describe('waits in nested graphs', () => {
  function nested(): Graph<Store> {
    const innerStart = new Step('inner_first');
    innerStart.next(new AwaitApproval()).on('approved', new Step('inner_last'));
    const sub = new Graph<Store>(innerStart, { id: 'review' });
    const outer = new Step('outer_first');
    outer.next(sub).next(new Step('outer_last'));
    return new Graph(outer);
  }

  it('suspends the whole run and resumes inside the sub-graph', async () => {
    const checkpoint = suspendedCheckpoint(await nested().run({ log: [] }));
    expect(checkpoint).toMatchObject({
      nextNodeId: 'review',
      completedSteps: 1,
      lastNodeId: 'outer_first',
      waiting: { frames: [{ nodeId: 'review' }, { nodeId: 'approval', prepRes: 'draft: ' }] },
    });
    const result = await nested().run(
      { log: [] },
      {
        resumeFrom: checkpoint,
        resumeWith: { kind: 'signal', name: 'approval', payload: { approved: true } },
      },
    );
    expect(result.outcome).toBe('completed');
    expect(result.shared.log).toEqual([
      'outer_first',
      'inner_first',
      'approval.prep',
      'approval.post(draft: )',
      'inner_last',
      'outer_last',
    ]);
  });

  it('cannot wait inside a BatchGraph (a params set has no checkpoint)', async () => {
    class PerSet extends BatchGraph<Store> {
      override prep() {
        return [{ n: 1 }];
      }
    }
    const graph = new Graph<Store>(new PerSet(new AwaitApproval()));
    await expect(graph.run({ log: [] })).rejects.toThrow('cannot wait');
  });

  it('needs a Graph around a waiting node', async () => {
    await expect(new AwaitApproval().run({ log: [] })).rejects.toThrow('must run inside a Graph');
  });
});

interface Parts {
  results?: unknown[];
  outcomes?: ChildOutcome[];
  error?: string;
  woke?: boolean;
}

class Split extends WaitNode<Parts, undefined, ChildOutcome[]> {
  override exec() {
    return runChildren([1, 2, 3].map((part) => ({ workflow: 'count', params: { part } })));
  }
  override post(shared: Parts, _prep: undefined, outcomes: ChildOutcome[]) {
    shared.outcomes = outcomes;
    try {
      shared.results = childResults(outcomes);
    } catch (error) {
      if (!(error instanceof ChildTasksFailedError)) throw error;
      shared.error = error.message;
      return 'partial';
    }
  }
}

describe('child tasks', () => {
  const build = () => new Graph<Parts>(new Split({ id: 'split' }));

  it('describes the children and gives post their results in order', async () => {
    const result = await build().run({});
    if (result.outcome !== 'suspended') throw new Error('expected a suspension');
    expect(result.wait).toEqual({
      kind: 'children',
      children: [
        { workflow: 'count', params: { part: 1 } },
        { workflow: 'count', params: { part: 2 } },
        { workflow: 'count', params: { part: 3 } },
      ],
    });
    const outcomes: ChildOutcome[] = [
      { task_id: 'a', status: 'completed', result: 10 },
      { task_id: 'b', status: 'completed', result: 20 },
      { task_id: 'c', status: 'completed', result: 30 },
    ];
    const resumed = await build().run(
      {},
      {
        resumeFrom: JSON.parse(JSON.stringify(result.checkpoint)),
        resumeWith: { kind: 'children', outcomes },
      },
    );
    expect(resumed).toMatchObject({ outcome: 'completed', action: 'default' });
    expect(resumed.shared.results).toEqual([10, 20, 30]);
  });

  it('reports failed children to post, which chooses how to go on', async () => {
    const result = await build().run({});
    if (result.outcome !== 'suspended') throw new Error('expected a suspension');
    const outcomes: ChildOutcome[] = [
      { task_id: 'a', status: 'completed', result: 10 },
      { task_id: 'b', status: 'failed', error: { code: 'WORKFLOW_ERROR', message: 'bad slice' } },
      { task_id: 'c', status: 'cancelled', error: null },
    ];
    const resumed = await build().run(
      {},
      { resumeFrom: result.checkpoint, resumeWith: { kind: 'children', outcomes } },
    );
    expect(resumed.action).toBe('partial');
    expect(resumed.shared.outcomes?.map((outcome) => outcome.status)).toEqual([
      'completed',
      'failed',
      'cancelled',
    ]);
    expect(resumed.shared.error).toBe(
      '2 of 3 child tasks did not complete (first: task b, failed: bad slice)',
    );
  });

  it('refuses a resume with a different number of outcomes', async () => {
    const result = await build().run({});
    if (result.outcome !== 'suspended') throw new Error('expected a suspension');
    await expect(
      build().run({}, { resumeFrom: result.checkpoint, resumeWith: { kind: 'children', outcomes: [] } }),
    ).rejects.toThrow('waits for 3 children');
  });
});

describe('durable sleep', () => {
  class Nap extends WaitNode<Parts, undefined, undefined> {
    override exec() {
      return sleepFor({ until: '2030-01-02T03:04:05Z' });
    }
    override post(shared: Parts) {
      shared.woke = true;
    }
  }

  it('asks to sleep until a time and continues after the wake-up', async () => {
    const graph = () => new Graph<Parts>(new Nap({ id: 'nap' }));
    const result = await graph().run({});
    if (result.outcome !== 'suspended') throw new Error('expected a suspension');
    expect(result.wait).toEqual({ kind: 'sleep', until: '2030-01-02T03:04:05.000Z' });
    const resumed = await graph().run({}, { resumeFrom: result.checkpoint, resumeWith: { kind: 'wake' } });
    expect(resumed).toMatchObject({ outcome: 'completed', shared: { woke: true } });
  });

  it('rejects times that are not times', () => {
    expect(() => sleepFor({ seconds: -1 })).toThrow(RangeError);
    expect(() => sleepFor({ until: 'tomorrow' })).toThrow(RangeError);
  });
});

describe('wait types', () => {
  it('tie what exec waits for to what post receives', () => {
    class Typed extends WaitNode<Store, undefined, Approval> {
      // @ts-expect-error: a wait for another payload type does not fit this node
      override exec() {
        return waitForSignal<{ other: number }>('approval');
      }
    }
    expect(new Typed()).toBeInstanceOf(WaitNode);
  });
});
