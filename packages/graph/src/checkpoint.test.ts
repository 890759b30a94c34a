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
const persist = (checkpoint: Checkpoint<Store>): Checkpoint<Store> => JSON.parse(JSON.stringify(checkpoint));

describe('checkpoints', () => {
  it('are written after every completed top-level node', async () => {
    FailOnce.failures = 1;
    const checkpoints: Checkpoint<Store>[] = [];
    await buildGraph().run(
      { ran: [], total: 0 },
      { onCheckpoint: (cp) => void checkpoints.push(persist(cp)) },
    );
    expect(checkpoints.map(({ nextNodeId, completedNodeIds }) => ({ nextNodeId, completedNodeIds }))).toEqual(
      [
        { nextNodeId: 'Add2', completedNodeIds: ['Add1'] },
        { nextNodeId: 'FailOnce1', completedNodeIds: ['Add1', 'Add2'] },
        { nextNodeId: 'Add3', completedNodeIds: ['Add1', 'Add2', 'FailOnce1'] },
        { nextNodeId: null, completedNodeIds: ['Add1', 'Add2', 'FailOnce1', 'Add3'] },
      ],
    );
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
      completedNodeIds: ['Done1'],
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
      completedNodeIds: [],
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
      completedNodeIds: [],
    };
    await expect(batch.run({ ran: [], total: 0 }, { resumeFrom: checkpoint })).rejects.toThrow(GraphError);
  });
});
