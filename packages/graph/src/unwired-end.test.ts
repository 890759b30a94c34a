import { describe, expect, it } from 'vitest';
import { BatchGraph, Graph, Node } from './index.ts';

type Store = { visited: string[]; decision?: string };

/** Records its id and returns its action, or the store's `decision` when built without one. */
class Step extends Node<Store> {
  readonly action: string | undefined;
  constructor(id: string, action?: string) {
    super({ id });
    this.action = action;
  }
  override post(shared: Store) {
    shared.visited.push(this.id);
    return this.action ?? shared.decision;
  }
}

const silent = { warn: () => {} };

/** `check` -> (`ok`) `accept`, as a graph of its own. */
function checkGraph(): Graph<Store> {
  const check = new Step('check');
  check.on('ok', new Step('accept', 'accepted'));
  return new Graph(check, { id: 'validate' });
}

describe("a completed run's unwiredEnd", () => {
  it('names the node and the action that had no edge', async () => {
    const check = new Step('check');
    check.on('ok', new Step('accept'));
    const run = await new Graph(check).run({ visited: [], decision: 'maybe' }, { logger: silent });
    expect(run).toMatchObject({ action: 'maybe', unwiredEnd: { nodeId: 'check', action: 'maybe' } });
  });

  it('is null when the run ends at a node without edges, or after a loop left by its edge', async () => {
    const check = new Step('check');
    check.on('ok', new Step('accept'));
    expect((await new Graph(check).run({ visited: [], decision: 'ok' })).unwiredEnd).toBeNull();
    expect((await new Graph(new Step('alone', 'anything')).run({ visited: [] })).unwiredEnd).toBeNull();
  });

  it('names the innermost node when a nested graph ended on an unwired action', async () => {
    const validate = checkGraph();
    validate.on('accepted', new Step('ship'));
    const nestedLast = await new Graph(validate).run({ visited: [], decision: 'maybe' }, { logger: silent });
    expect(nestedLast.unwiredEnd).toEqual({ nodeId: 'check', action: 'maybe' });

    // The nested graph is the run's last node (no edges of its own): the inner node still ended the run.
    const alone = await new Graph(checkGraph()).run({ visited: [], decision: 'maybe' }, { logger: silent });
    expect(alone.unwiredEnd).toEqual({ nodeId: 'check', action: 'maybe' });
  });

  it('is null when a nested graph is left on purpose, or its sets end so inside a BatchGraph', async () => {
    const validate = checkGraph();
    validate.on('maybe', new Step('ask', 'asked'));
    const left = await new Graph(validate).run({ visited: [], decision: 'maybe' }, { logger: silent });
    expect(left.shared.visited).toEqual(['check', 'ask']);
    expect(left.unwiredEnd).toBeNull();

    class EachTwice extends BatchGraph<Store> {
      override prep() {
        return [{ n: 1 }, { n: 2 }];
      }
    }
    const check = new Step('check');
    check.on('ok', new Step('accept'));
    const batch = await new Graph(new EachTwice(check, { id: 'each' })).run(
      { visited: [], decision: 'maybe' },
      { logger: silent },
    );
    expect(batch.shared.visited).toEqual(['check', 'check']);
    expect(batch.unwiredEnd).toBeNull();
  });
});
