import type { WorkflowDefaults } from '@kaygraph/contracts';
import { Graph, Node, WaitNode, waitForSignal } from '@kaygraph/graph';
import { z } from 'zod';
import type { CatalogWorkflow } from '../catalog.ts';

/**
 * `loop`: a graph that loops `decide -> act -> decide ...` for `turns` turns inside the nested graph
 * `loop`, then runs `finish`, so a task runs more node steps than it lists. With `wait`, the node `gate`
 * between them waits for the signal `go`; `finish` fails on the attempt `fail_on_attempt`. With
 * `top_level`, the loop runs in the outermost graph instead, which checkpoints after every step.
 */
const LoopParams = z.object({
  turns: z.number().int().min(0).max(100_000).default(1_000),
  wait: z.boolean().default(false),
  fail_on_attempt: z.number().int().min(1).optional(),
  top_level: z.boolean().default(false),
});
type LoopParams = z.output<typeof LoopParams>;

interface LoopShared {
  turns?: number;
  result?: { turns: number };
}

class Decide extends Node<LoopShared> {
  readonly limit: number;
  constructor(limit: number) {
    super({ id: 'decide' });
    this.limit = limit;
  }
  override post(shared: LoopShared) {
    return (shared.turns ?? 0) < this.limit ? 'act' : 'done';
  }
}

class Act extends Node<LoopShared> {
  override post(shared: LoopShared) {
    shared.turns = (shared.turns ?? 0) + 1;
  }
}

class Gate extends WaitNode<LoopShared, undefined, unknown> {
  override exec() {
    return waitForSignal('go');
  }
}

class Finish extends Node<LoopShared> {
  readonly failOnAttempt: number | undefined;
  constructor(failOnAttempt: number | undefined) {
    super({ id: 'finish' });
    this.failOnAttempt = failOnAttempt;
  }
  override exec() {
    if (this.params.attempt === this.failOnAttempt) throw new Error('finish fails on this attempt');
  }
  override post(shared: LoopShared) {
    shared.result = { turns: shared.turns ?? 0 };
  }
}

function loopGraph(params: LoopParams): Graph<LoopShared> {
  const decide = new Decide(params.turns);
  decide.on('act', new Act({ id: 'act' })).next(decide);
  // Top level, `decide` itself leaves the loop; nested, `done` ends the inner loop and leaves the graph
  // `loop` by its own edge of that name.
  const loop = params.top_level ? decide : new Graph(decide, { id: 'loop' });
  const finish = new Finish(params.fail_on_attempt);
  if (params.wait) loop.on('done', new Gate({ id: 'gate' })).next(finish);
  else loop.on('done', finish);
  return params.top_level ? new Graph(decide) : new Graph(loop);
}

const defaults: WorkflowDefaults = {
  max_retries: 0,
  retry_delay_seconds: 0,
  retry_backoff: false,
  timeout_seconds: 120,
  priority: 'normal',
  concurrency: null,
  concurrency_per_key: null,
  rate_limit: null,
};

/**
 * The test workflow `loop` (see above) for a catalog: in a worker thread, as a workflow runs by default, or
 * with `inline` on the main thread.
 *
 * @example
 * const loop = loopingWorkflow();
 * export const catalog: WorkflowCatalog = { get: (name) => (name === 'loop' ? loop : undefined), list: () => [loop] };
 */
export function loopingWorkflow(options: { inline?: boolean } = {}): CatalogWorkflow {
  return {
    name: 'loop',
    description: 'Loops decide -> act for `turns` turns, optionally waits for `go`, then finishes.',
    aliases: [],
    params: LoopParams,
    result: z.object({ turns: z.number().int() }),
    signals: { go: z.unknown() },
    signalSchemas: { go: {} },
    defaults,
    inline: options.inline ?? false,
    graph: (params) => loopGraph(LoopParams.parse(params)),
  };
}
