import { Graph, Node } from '@kaygraph/graph';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type BuiltinWorkflows,
  catalog,
  defineWorkflow,
  type WorkflowNames,
  type WorkflowSignalName,
  type WorkflowSignalPayload,
} from '../src/index.ts';

const quiet = defineWorkflow({
  name: 'quiet',
  description: 'takes no signals',
  params: z.object({}),
  graph: () => new Graph(new Node()),
});

const gate = defineWorkflow({
  name: 'gate',
  description: 'waits for a key',
  params: z.object({}),
  signals: { open: z.object({ key: z.string(), times: z.number().int().default(1) }), close: z.object({}) },
  graph: () => new Graph(new Node()),
});

const all = catalog.with(quiet, gate);
type All = typeof all.workflows;

/** The shape a typed client's `signal(taskId, name, payload)` takes, per workflow. */
function signalOf<W extends WorkflowNames<All>>(_workflow: W) {
  return <S extends WorkflowSignalName<All, W>>(_name: S, _payload: WorkflowSignalPayload<All, W, S>) => {};
}

describe('declared signals', () => {
  it('are typed per workflow: a wrong name or payload does not compile', () => {
    signalOf('gate')('open', { key: 'k', times: 2 });
    // @ts-expect-error: gate has no signal "shut"
    signalOf('gate')('shut', {});
    // @ts-expect-error: key is a string
    signalOf('gate')('open', { key: 3 });
    // @ts-expect-error: the payload needs `key`
    signalOf('gate')('open', { times: 2 });
    signalOf('gate')('open', { key: 'k' });
    signalOf('gate')('close', {});
    // @ts-expect-error: quiet takes no signals at all
    signalOf('quiet')('open', { key: 'k' });
    expectTypeOf<WorkflowSignalName<All, 'gate'>>().toEqualTypeOf<'open' | 'close'>();
    expectTypeOf<WorkflowSignalName<BuiltinWorkflows, 'demo'>>().toEqualTypeOf<never>();
    expectTypeOf<WorkflowSignalPayload<All, 'gate', 'open'>>().toEqualTypeOf<{
      key: string;
      times?: number | undefined;
    }>();
  });

  it('expose a JSON Schema per signal in the catalog', () => {
    expect(all.get('gate')?.signalSchemas).toMatchObject({
      open: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
      close: { type: 'object' },
    });
    expect(quiet.signalSchemas).toEqual({});
    expect(catalog.get('demo')?.signalSchemas).toEqual({});
  });

  it('refuse names a URL cannot carry', () => {
    expect(() =>
      defineWorkflow({
        name: 'bad_signal',
        description: '',
        params: z.object({}),
        signals: { 'a/b': z.object({}) },
        graph: () => new Graph(new Node()),
      }),
    ).toThrow(/signal name "a\/b"/);
  });
});
