import { createHash } from 'node:crypto';
import { Graph, Node } from '@kaygraph/graph';
import { z } from 'zod';
import { builtinWorkflow } from '../builtin-workflow.ts';
import { defineWorkflow, type WorkflowShared } from '../define.ts';
import { tokenize } from '../lib/embed.ts';

export const ProcessItemParams = z.strictObject({ item: z.unknown() });

export const ProcessItemResult = z.object({
  type: z.enum(['string', 'number', 'boolean', 'array', 'object', 'null']),
  /** Bytes of the item's canonical JSON (keys sorted). */
  bytes: z.number().int(),
  /** sha256 of the canonical JSON: equal items give equal fingerprints. */
  sha256: z.string(),
  /** Search terms of the item's text (strings anywhere inside it). */
  terms: z.number().int(),
  /** Sum of the numbers anywhere inside it. */
  numeric_sum: z.number(),
});
export type ProcessItemResult = z.output<typeof ProcessItemResult>;

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function walk(value: unknown, visit: (leaf: unknown) => void): void {
  if (Array.isArray(value)) {
    for (const v of value) walk(v, visit);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) walk(v, visit);
  } else {
    visit(value);
  }
}

class FingerprintItem extends Node<WorkflowShared, undefined, ProcessItemResult> {
  readonly item: unknown;

  constructor(item: unknown) {
    super({ id: 'process', step: 'Process item' });
    this.item = item;
  }

  override exec(): ProcessItemResult {
    const json = canonical(this.item);
    let terms = 0;
    let numericSum = 0;
    walk(this.item, (leaf) => {
      if (typeof leaf === 'string') terms += tokenize(leaf).length;
      if (typeof leaf === 'number') numericSum += leaf;
    });
    const type =
      this.item === null || this.item === undefined
        ? 'null'
        : Array.isArray(this.item)
          ? 'array'
          : typeof this.item;
    this.ctx.progress({ step: 'Process item', percent: 100 });
    return {
      type: ProcessItemResult.shape.type.parse(type),
      bytes: Buffer.byteLength(json),
      sha256: createHash('sha256').update(json).digest('hex'),
      terms,
      numeric_sum: numericSum,
    };
  }

  override post(shared: WorkflowShared, _prep: undefined, result: ProcessItemResult): void {
    shared.result = result;
  }
}

/** The spec's group example (`group.add_task("process_item", {"item": item})`): one item per task. */
export const processItem = builtinWorkflow(
  defineWorkflow({
    name: 'process_item',
    description:
      'Processes one item of a batch: canonical JSON fingerprint (sha256), size, text terms and numeric sum.',
    params: ProcessItemParams,
    result: ProcessItemResult,
    defaults: { timeout_seconds: 300 },
    graph: ({ item }) => new Graph(new FingerprintItem(item)),
  }),
);
