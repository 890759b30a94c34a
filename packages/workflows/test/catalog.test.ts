import { Graph, Node } from '@kaygraph/graph';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type BuiltinWorkflows,
  catalog,
  createCatalog,
  defineWorkflow,
  GLOBAL_WORKFLOW_DEFAULTS,
  type WorkflowNames,
  type WorkflowParams,
  type WorkflowResult,
} from '../src/index.ts';

class Echo extends Node<{ result?: unknown }> {
  override post(shared: { result?: unknown }): void {
    shared.result = { echoed: this.params.text ?? null };
  }
}

const echo = defineWorkflow({
  name: 'echo',
  description: 'echoes',
  aliases: ['say'],
  params: z.object({ text: z.string(), times: z.number().int().default(1) }),
  result: z.object({ echoed: z.string() }),
  defaults: { max_retries: 0, priority: 'high' },
  graph: () => new Graph(new Echo()),
});

describe('defineWorkflow and createCatalog', () => {
  it('fills defaults from the global ones', () => {
    expect(echo.defaults).toEqual({ ...GLOBAL_WORKFLOW_DEFAULTS, max_retries: 0, priority: 'high' });
    expect(GLOBAL_WORKFLOW_DEFAULTS).toEqual({
      max_retries: 3,
      retry_delay_seconds: 1,
      retry_backoff: true,
      timeout_seconds: null,
      priority: 'normal',
      concurrency: null,
      concurrency_per_key: null,
      rate_limit: null,
    });
  });

  it('resolves names and aliases, lists each workflow once, and extends with user workflows', () => {
    const extended = catalog.with(echo);
    expect(extended.get('say')).toBe(echo);
    expect(extended.get('echo')).toBe(echo);
    expect(extended.list().map((w) => w.name)).toEqual([...catalog.list().map((w) => w.name), 'echo']);
    expect(catalog.get('echo')).toBeUndefined();
    expect(catalog.get('demo')?.name).toBe('demo');
  });

  it('built-in workflows refuse a param they do not declare, naming it', () => {
    for (const workflow of catalog.list()) {
      const parsed = (workflow.params as z.ZodType).safeParse({ stepz: 3 });
      expect(parsed.success, workflow.name).toBe(false);
      const unknown = parsed.error?.issues.find((issue) => issue.code === 'unrecognized_keys');
      expect(unknown, workflow.name).toMatchObject({ keys: ['stepz'] });
    }
  });

  it('refuses a result schema with a type JSON cannot carry, which clients would get as a string', () => {
    expect(() =>
      defineWorkflow({
        name: 'stamped',
        description: '',
        params: z.object({}),
        result: z.object({ at: z.date() }),
        graph: () => new Graph(new Echo()),
      }),
    ).toThrow(
      'workflow "stamped": results are stored as JSON, which cannot carry its result schema\'s types (at is a date)',
    );
    expect(
      defineWorkflow({
        name: 'stamped',
        description: '',
        params: z.object({}),
        result: z.object({ at: z.iso.datetime(), n: z.number().transform(Math.round) }),
        graph: () => new Graph(new Echo()),
      }).name,
    ).toBe('stamped');
  });

  it('refuses a signal schema whose input JSON cannot carry, which would refuse every payload', () => {
    expect(() =>
      defineWorkflow({
        name: 'stamped',
        description: '',
        params: z.object({}),
        signals: { stamp: z.object({ at: z.date() }) },
        graph: () => new Graph(new Echo()),
      }),
    ).toThrow(
      'workflow "stamped" signal "stamp": payloads arrive as JSON, which cannot carry its schema\'s input types (at is a date)',
    );
    expect(() =>
      defineWorkflow({
        name: 'stamped',
        description: '',
        params: z.object({}),
        signals: { count: z.object({ n: z.bigint() }) },
        graph: () => new Graph(new Echo()),
      }),
    ).toThrow('(n is a bigint)');
    // Coercions and transforms take what JSON carries; the node then gets a Date, a bigint.
    expect(
      defineWorkflow({
        name: 'stamped',
        description: '',
        params: z.object({}),
        signals: {
          stamp: z.object({
            at: z.coerce.date(),
            n: z.coerce.bigint(),
            on: z.iso.datetime().transform((at) => new Date(at)),
          }),
        },
        graph: () => new Graph(new Echo()),
      }).signalSchemas.stamp,
    ).toMatchObject({ properties: { at: {}, n: {}, on: { type: 'string', format: 'date-time' } } });
  });

  it('refuses a default or setting it would ignore, naming it and the key meant', () => {
    // A worker runs the module with its types stripped: nothing else would catch these.
    const declare = (config: object) => () =>
      defineWorkflow({
        name: 'typo',
        description: '',
        params: z.object({}),
        graph: () => new Graph(new Echo()),
        ...config,
      } as Parameters<typeof defineWorkflow>[0]);
    expect(declare({ defaults: { retry_delay: 30 } })).toThrow(
      'workflow "typo": defaults has no "retry_delay": did you mean retry_delay_seconds? (it has: max_retries, retry_delay_seconds, retry_backoff, timeout_seconds, priority, concurrency, concurrency_per_key, rate_limit)',
    );
    expect(declare({ defaults: { timeout: 60 } })).toThrow('did you mean timeout_seconds?');
    expect(declare({ concurrency: 2 })).toThrow(
      'workflow "typo": defineWorkflow takes no "concurrency": put it in defaults, as concurrency',
    );
    // A per-key limit, as Hatchet's maxRuns or Trigger.dev's queue limit per concurrencyKey, is a default.
    expect(declare({ concurrencyPerKey: 1 })).toThrow(
      'workflow "typo": defineWorkflow takes no "concurrencyPerKey": put it in defaults, as concurrency_per_key',
    );
    expect(declare({ defaults: { concurrency_per_key: 0 } })).toThrow('defaults.concurrency_per_key');
    expect(declare({ defaults: { concurrency_per_key: 2 } })().defaults.concurrency_per_key).toBe(2);
    // BullMQ's `limiter` of a Worker is a workflow's rate limit here, with its window in seconds.
    expect(declare({ limiter: { max: 10, duration: 1000 } })).toThrow(
      'workflow "typo": defineWorkflow takes no "limiter": put it in defaults, as rate_limit',
    );
    expect(declare({ defaults: { rate_limit: { max: 10, duration: 1000 } } })).toThrow('defaults.rate_limit');
    expect(declare({ defaults: { rate_limit: { max: 0, per_seconds: 1 } } })).toThrow(
      'defaults.rate_limit.max',
    );
    const limited = declare({ defaults: { rate_limit: { max: 10, per_seconds: 1 } } })();
    expect(limited.defaults.rate_limit).toEqual({ max: 10, per_seconds: 1 });
    expect(declare({ retry: { maxAttempts: 3 } })).toThrow(
      'workflow "typo": defineWorkflow takes no "retry"',
    );
    expect(declare({ defaults: { max_retries: -1 } })).toThrow(
      'workflow "typo": defaults.max_retries: Too small: expected number to be >=0',
    );
    expect(declare({ defaults: { retry_delay_seconds: 30 } })().defaults.retry_delay_seconds).toBe(30);
  });

  it('refuses duplicate names and names that are not queue-safe', () => {
    expect(() => createCatalog([echo, echo])).toThrow(/already taken/);
    expect(() =>
      defineWorkflow({
        name: 'bad name',
        description: '',
        params: z.object({}),
        graph: () => new Graph(new Echo()),
      }),
    ).toThrow(/bad name/);
  });

  it('validates params when building the graph', () => {
    expect(() => echo.graph({ text: 1 })).toThrow();
    expect(echo.graph({ text: 'hi' })).toBeInstanceOf(Graph);
  });

  it('gives every built-in a JSON Schema for its params and result', () => {
    expect(catalog.list().map((w) => w.name)).toEqual([
      'content_review',
      'daily_report',
      'data_processing',
      'data_processing_partition',
      'demo',
      'document_indexing',
      'model_training',
      'preprocess',
      'analyze',
      'report',
      'urgent_analysis',
      'process_item',
    ]);
    for (const workflow of catalog.list()) {
      expect(z.toJSONSchema(workflow.params, { io: 'input' }).type).toBe('object');
      expect(z.toJSONSchema(workflow.params).type).toBe('object');
      if (workflow.result) expect(z.toJSONSchema(workflow.result).type).toBe('object');
    }
  });
});

describe('types follow the workflow name', () => {
  it('infers params and result per built-in and per user workflow', () => {
    expectTypeOf<WorkflowParams<BuiltinWorkflows, 'demo'>>().toMatchTypeOf<{
      steps?: number;
      step_ms?: number;
    }>();
    expectTypeOf<WorkflowResult<BuiltinWorkflows, 'demo'>['attempt']>().toEqualTypeOf<number>();
    const extended = catalog.with(echo);
    type All = typeof extended.workflows;
    expectTypeOf<WorkflowNames<All>>().toEqualTypeOf<
      keyof BuiltinWorkflows | 'echo' | 'say' | WorkflowNames<BuiltinWorkflows>
    >();
    expectTypeOf<WorkflowParams<All, 'say'>>().toEqualTypeOf<{ text: string; times?: number | undefined }>();
    expectTypeOf<WorkflowResult<All, 'echo'>>().toEqualTypeOf<{ echoed: string }>();

    expectTypeOf<WorkflowParams<BuiltinWorkflows, 'data_processing'>>().toMatchTypeOf<{
      input: Record<string, unknown>[] | string | { generate: { rows: number; seed?: number } };
      chunk_size?: number;
    }>();
    expectTypeOf<
      WorkflowResult<BuiltinWorkflows, 'data_processing'>['counts']['dropped']
    >().toEqualTypeOf<number>();
    expectTypeOf<WorkflowResult<BuiltinWorkflows, 'rag_indexing'>['chunks']>().toEqualTypeOf<number>();
    expectTypeOf<
      WorkflowResult<BuiltinWorkflows, 'model_training'>['holdout']['confusion_matrix']
    >().toEqualTypeOf<number[][]>();

    // A typed submit, as the client builds it from these helpers:
    const submit = <N extends WorkflowNames<All>>(_input: {
      workflow: N;
      params: WorkflowParams<All, N>;
    }) => {};
    submit({ workflow: 'echo', params: { text: 'hi' } });
    submit({ workflow: 'demo', params: { steps: 2 } });
    // @ts-expect-error: `text` must be a string
    submit({ workflow: 'echo', params: { text: 42 } });
    // @ts-expect-error: demo has no `colour` param
    submit({ workflow: 'demo', params: { colour: 'red' } });
    submit({ workflow: 'data_processing', params: { input: { generate: { rows: 1000, seed: 1 } } } });
    submit({ workflow: 'rag_indexing', params: { documents: ['doc1.pdf', 'doc2.pdf'], chunk_size: 500 } });
    // @ts-expect-error: chunk_size is a number
    submit({ workflow: 'data_processing', params: { input: 'sales.csv', chunk_size: 'big' } });
    // @ts-expect-error: data_processing needs an input
    submit({ workflow: 'data_processing', params: { group_by: ['region'] } });
    // @ts-expect-error: no such workflow
    submit({ workflow: 'nope', params: {} });
  });
});
