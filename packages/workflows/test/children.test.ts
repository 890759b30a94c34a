import { type ChildOutcome, childResults, Graph, Node, runChildren } from '@kaygraph/graph';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { type ChildResultOf, defineWorkflow, runChildrenOf } from '../src/authoring.ts';

const thumbnail = defineWorkflow({
  name: 'thumbnail',
  description: 'One thumbnail',
  params: z.strictObject({ image: z.string(), width: z.number().int().default(128) }),
  result: z.object({ image: z.string(), bytes: z.number() }),
  graph: () => new Graph(new Node()),
});

const untyped = defineWorkflow({
  name: 'untyped',
  description: 'Declares no result',
  params: z.object({}),
  graph: () => new Graph(new Node()),
});

describe('runChildrenOf', () => {
  it("asks the runtime for the same children as runChildren, under the workflow's name", () => {
    expect(runChildrenOf(thumbnail, [{ image: 'a.png' }, { image: 'b.png', width: 64 }])).toEqual(
      runChildren([
        { workflow: 'thumbnail', params: { image: 'a.png' } },
        { workflow: 'thumbnail', params: { image: 'b.png', width: 64 } },
      ]),
    );
  });

  it("types the children's params and results by the workflow", () => {
    // @ts-expect-error: width is a number
    runChildrenOf(thumbnail, [{ image: 'a.png', width: 'wide' }]);
    expectTypeOf<ChildResultOf<typeof thumbnail>>().toEqualTypeOf<{ image: string; bytes: number }>();
    expectTypeOf<ChildResultOf<typeof untyped>>().toBeUnknown();
    const outcomes: ChildOutcome<ChildResultOf<typeof thumbnail>>[] = [
      { task_id: 't1', status: 'completed', result: { image: 'a.png', bytes: 3 } },
    ];
    expect(childResults(outcomes).map((each) => each.bytes)).toEqual([3]);
  });
});
