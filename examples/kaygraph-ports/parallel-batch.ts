/**
 * KayGraph's AsyncParallelBatchNode: items fetched concurrently (at most `concurrency` at once), the
 * results in item order. Each fetch is given the run's abort signal, so a cancel stops it mid-wait.
 */
import { Graph, ParallelBatchNode, sleep } from '@kaygraph/graph';
import { defineWorkflow } from '@kaygraph/workflows/authoring';
import { z } from 'zod';

interface Item {
  name: string;
  delay_ms: number;
}

interface FetchAllShared {
  result?: { pages: string[]; most_in_flight: number };
}

class FetchAll extends ParallelBatchNode<FetchAllShared, Item, string> {
  readonly items: Item[];
  inFlight = 0;
  mostInFlight = 0;

  constructor(items: Item[], concurrency: number) {
    super({ id: 'fetch_all', step: 'Fetch pages', concurrency });
    this.items = items;
  }

  override prep(): Item[] {
    return this.items;
  }

  override async exec(item: Item): Promise<string> {
    this.inFlight++;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      await sleep(item.delay_ms, this.ctx.signal);
      return `page ${item.name}`;
    } finally {
      this.inFlight--;
    }
  }

  override post(shared: FetchAllShared, _items: Item[], pages: string[]): void {
    shared.result = { pages, most_in_flight: this.mostInFlight };
  }
}

export const parallelBatch = defineWorkflow({
  name: 'port_parallel_batch',
  description: 'Pages fetched concurrently with a limit, results in order.',
  params: z.strictObject({
    items: z.array(z.object({ name: z.string(), delay_ms: z.number().int().min(0) })),
    concurrency: z.number().int().min(1).default(3),
  }),
  result: z.object({ pages: z.array(z.string()), most_in_flight: z.number().int() }),
  defaults: { max_retries: 0, timeout_seconds: 600 },
  inline: true,
  graph: ({ items, concurrency }) => new Graph<FetchAllShared>(new FetchAll(items, concurrency)),
});
