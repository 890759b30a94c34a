import { describe, expect, it } from 'vitest';
import { BatchGraph, type Checkpoint, Graph, GraphError, Node } from './index.ts';

type Store = { ran: string[]; total: number };

class Add extends Node<Store> {
  readonly amount: number;
  constructor(amount: number) {
    super();
    this.amount = amount;
  }
  override post(shared: Store) {
    shared.ran.push(this.id);
    shared.total += this.amount;
  }
}

class FailOnce extends Node<Store> {
  static failures = 0;
  override post(shared: Store) {
    if (FailOnce.failures++ === 0) throw new Error('worker crashed');
    shared.ran.push(this.id);
  }
}

/** What a worker does per attempt: build the graph from scratch (default ids only). */
function buildGraph(): Graph<Store> {
  const first = new Add(1);
  first.next(new Add(10)).next(new FailOnce()).next(new Add(100));
  return new Graph(first);
}

/** Checkpoints travel through JSON in a database, so the test stores them the same way. */
const persist = <S>(checkpoint: Checkpoint<S>): Checkpoint<S> => JSON.parse(JSON.stringify(checkpoint));

describe('checkpoints', () => {
  it('are written after every completed top-level node', async () => {
    FailOnce.failures = 1;
    const checkpoints: Checkpoint<Store>[] = [];
    await buildGraph().run(
      { ran: [], total: 0 },
      { onCheckpoint: (cp) => void checkpoints.push(persist(cp)) },
    );
    expect(checkpoints.map(({ shared: _shared, ...position }) => position)).toEqual([
      {
        nextNodeId: 'Add2',
        completedSteps: 1,
        lastNodeId: 'Add1',
        completedNodeIds: ['Add1'],
        lastAction: 'default',
      },
      {
        nextNodeId: 'FailOnce1',
        completedSteps: 2,
        lastNodeId: 'Add2',
        completedNodeIds: ['Add2'],
        lastAction: 'default',
      },
      {
        nextNodeId: 'Add3',
        completedSteps: 3,
        lastNodeId: 'FailOnce1',
        completedNodeIds: ['FailOnce1'],
        lastAction: 'default',
      },
      {
        nextNodeId: null,
        completedSteps: 4,
        lastNodeId: 'Add3',
        completedNodeIds: ['Add3'],
        lastAction: 'default',
      },
    ]);
    expect(checkpoints[1]?.shared).toEqual({ ran: ['Add1', 'Add2'], total: 11 });
  });

  it('let a retried run resume after the last completed node, on a freshly built graph', async () => {
    FailOnce.failures = 0;
    let saved: Checkpoint<Store> | undefined;
    const onCheckpoint = (checkpoint: Checkpoint<Store>) => {
      saved = persist(checkpoint);
    };
    await expect(buildGraph().run({ ran: [], total: 0 }, { onCheckpoint })).rejects.toThrow('worker crashed');
    expect(saved?.nextNodeId).toBe('FailOnce1');

    const percents: number[] = [];
    const resumed = await buildGraph().run(
      { ran: [], total: 0 },
      { resumeFrom: saved, onCheckpoint, onProgress: (report) => percents.push(report.percent) },
    );
    // Add1 and Add2 ran once (in the first attempt); their effects come back from the checkpoint.
    expect(resumed.shared).toEqual({ ran: ['Add1', 'Add2', 'FailOnce1', 'Add3'], total: 111 });
    expect(resumed.metrics.map((metric) => metric.node_id)).toEqual(['FailOnce1', 'Add3']);
    expect(percents[0]).toBe(50);
  });

  it('of a graph that loops keep one size however many steps it ran', async () => {
    class Turn extends Node<{ turns: number }> {
      override post(shared: { turns: number }) {
        shared.turns++;
        return shared.turns < 5_000 ? 'again' : 'done';
      }
    }
    const turn = new Turn({ id: 'turn' });
    turn.on('again', turn);
    const sizes = new Map<number, number>();
    const checkpoints: Checkpoint<{ turns: number }>[] = [];
    await new Graph(turn).run(
      { turns: 0 },
      {
        logger: { warn: () => {} },
        onCheckpoint: (checkpoint) => {
          sizes.set(checkpoint.completedSteps ?? -1, JSON.stringify(checkpoint).length);
          checkpoints.push(persist(checkpoint));
        },
      },
    );
    expect(checkpoints).toHaveLength(5_000);
    expect(sizes.get(4_999)).toBe(sizes.get(1_000));
    expect(checkpoints.at(-2)).toEqual({
      nextNodeId: 'turn',
      shared: { turns: 4_999 },
      completedSteps: 4_999,
      lastNodeId: 'turn',
      completedNodeIds: ['turn'],
      lastAction: 'again',
    });
  });

  it('written before completedSteps (every completed node listed) resume as they did', async () => {
    FailOnce.failures = 1;
    const old: Checkpoint<Store> = {
      nextNodeId: 'FailOnce1',
      shared: { ran: ['Add1', 'Add2'], total: 11 },
      completedNodeIds: ['Add1', 'Add2'],
      lastAction: 'default',
    };
    const percents: number[] = [];
    const checkpoints: Checkpoint<Store>[] = [];
    const resumed = await buildGraph().run(
      { ran: [], total: 0 },
      {
        resumeFrom: old,
        onCheckpoint: (checkpoint) => void checkpoints.push(persist(checkpoint)),
        onProgress: (report) => percents.push(report.percent),
      },
    );
    expect(resumed.shared).toEqual({ ran: ['Add1', 'Add2', 'FailOnce1', 'Add3'], total: 111 });
    // Two of four steps were done: progress carries on from half way, and the count from two.
    expect(percents[0]).toBe(50);
    // The list is not carried on: only the last node, for workers of that release.
    expect(checkpoints[0]).toMatchObject({
      nextNodeId: 'Add3',
      completedSteps: 3,
      lastNodeId: 'FailOnce1',
      completedNodeIds: ['FailOnce1'],
    });
  });

  it('resuming a finished checkpoint runs nothing and returns its last action', async () => {
    let ran = false;
    class Done extends Node<Store> {
      override post() {
        ran = true;
        return 'finished';
      }
    }
    const finished: Checkpoint<Store> = {
      nextNodeId: null,
      shared: { ran: ['x'], total: 5 },
      completedSteps: 1,
      lastNodeId: 'Done1',
      lastAction: 'finished',
    };
    const result = await new Graph(new Done()).run({ ran: [], total: 0 }, { resumeFrom: finished });
    expect(ran).toBe(false);
    expect(result).toMatchObject({ action: 'finished', shared: { ran: ['x'], total: 5 } });
  });

  it('refuses a checkpoint naming a node the graph does not have', async () => {
    const stale: Checkpoint<Store> = {
      nextNodeId: 'Gone7',
      shared: { ran: [], total: 0 },
      completedSteps: 0,
    };
    await expect(buildGraph().run({ ran: [], total: 0 }, { resumeFrom: stale })).rejects.toThrow(GraphError);
  });

  it('are not written for nested graphs, and a BatchGraph cannot resume', async () => {
    const ids: Array<string | null> = [];
    const outer = new Add(1);
    outer.next(new Graph(new Add(2)));
    await new Graph(outer).run({ ran: [], total: 0 }, { onCheckpoint: (cp) => void ids.push(cp.nextNodeId) });
    expect(ids).toEqual(['Graph2', null]);

    const batch = new BatchGraph(new Add(1));
    const checkpoint: Checkpoint<Store> = {
      nextNodeId: null,
      shared: { ran: [], total: 0 },
      completedSteps: 0,
    };
    await expect(batch.run({ ran: [], total: 0 }, { resumeFrom: checkpoint })).rejects.toThrow(GraphError);
  });
});
