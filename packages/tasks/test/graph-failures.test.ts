import type { TaskEvent } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { capturingLogger } from '../src/testing/index.ts';
import { catalog, GRAPH_FAILURES_MODULE } from './fixtures/graph-failures.ts';
import { alice, useSystemWithWorker, waitForTerminal } from './harness.ts';

/** How a graph's failures and warnings reach the task: its error, its attempts, its log events. */
const workerLog = capturingLogger('warn');

const harness = useSystemWithWorker(
  { concurrency: 2, workflowsModule: GRAPH_FAILURES_MODULE },
  { catalog, logger: workerLog.logger },
);

/** Runs a task to its end; `retries` over the workflow's 2 (a test that is not about retries skips them). */
async function runToEnd(workflow: string, retries?: number) {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, {
    workflow,
    params: {},
    priority: 'normal',
    ...(retries === undefined ? {} : { max_retries: retries }),
  });
  await waitForTerminal(system, alice, task_id);
  const events: TaskEvent[] = [];
  for await (const event of system.tasks.events(alice, task_id, {})) events.push(event);
  return { task: await system.tasks.get(alice, task_id), events };
}

describe('graph failures as the task shows them', () => {
  it('names the node that failed, not the graphs around it', async () => {
    const { task } = await runToEnd('nested_failure', 0);
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ code: 'WORKFLOW_ERROR', message: 'card declined', node_id: 'charge' });
    expect(task.metrics).toMatchObject([
      { node_id: 'charge', attempts: 2, outcome: 'error' },
      { node_id: 'payment', outcome: 'error' },
      { node_id: 'checkout', outcome: 'error' },
    ]);
  });

  it('fails a graph built with an edge to a non-node at once, saying which edge, without retries', async () => {
    const { task } = await runToEnd('edge_to_non_node');
    expect(task.status).toBe('failed');
    expect(task.attempt).toBe(1);
    expect(task.error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message: 'The "escalate" edge of node "decide" must be a Node; got an object (Object)',
    });
  });

  it('logs an action without an edge once', async () => {
    const { task, events } = await runToEnd('unwired_action', 0);
    expect(task.status).toBe('completed');
    const warnings = events.flatMap((event) =>
      event.type === 'log' && event.level === 'warn' ? [event.message] : [],
    );
    expect(warnings).toEqual([
      'Graph ends: node "decide" returned action "escalate", which has no edge (edges: "approve")',
    ]);
  });

  it('warns in the task and the worker log of a log line its thread could not send', async () => {
    const { task, events } = await runToEnd('uncloneable_log', 0);
    expect(task.status).toBe('completed');
    const warnings = events.flatMap((event) =>
      event.type === 'log' && event.level === 'warn' ? [event.message] : [],
    );
    expect(warnings).toEqual([
      expect.stringMatching(/^a log event could not be recorded: .*could not be cloned/),
    ]);
    expect(workerLog.lines).toContainEqual(
      expect.objectContaining({
        task_id: task.task_id,
        workflow: 'uncloneable_log',
        msg: expect.stringContaining('could not be recorded'),
      }),
    );
  });

  it('says where the graph ended when an action without an edge left no result, without retries', async () => {
    const { task } = await runToEnd('unwired_result');
    expect(task.status).toBe('failed');
    expect(task.attempt).toBe(1);
    expect(task.error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message:
        'graph ended at node "decide" on action "escalate", which has no edge; its result does not match ' +
        "the workflow's result schema: result: Invalid input: expected object, received null",
      node_id: 'decide',
    });

    // Inside a nested graph, the node that returned the action is named, not the graph around it.
    const nested = await runToEnd('unwired_result_nested');
    expect(nested.task.error).toMatchObject({
      message: expect.stringMatching(
        /^graph ended at node "decide" on action "escalate", which has no edge;/,
      ),
      node_id: 'decide',
    });
  });
});
