import type { TaskEvent } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  alice,
  startTestSystem,
  useSystemWithWorker,
  WORKFLOWS_MODULE,
  waitFor,
  waitForStatus,
  waitForTerminal,
} from './harness.ts';

// Room for the 60 children of one wait below (MAX_BATCH_SIZE is 50 unless set).
const harness = useSystemWithWorker({ concurrency: 4, pollIntervalMs: 200 }, { maxBatchSize: 60 });

async function eventsOf(taskId: string): Promise<TaskEvent[]> {
  const events: TaskEvent[] = [];
  for await (const event of harness.system.tasks.events(alice, taskId, {})) events.push(event);
  return events;
}

const step = (result: string, stepMs: number) => ({
  workflow: 'steps',
  params: { steps: 1, step_ms: stepMs, result },
});

describe('child tasks', () => {
  it('runs the children and resumes the parent with their results in order', async () => {
    const { system } = harness;
    // The first child takes longest: the order of the results is the node's, not the order they finish in.
    const children = [step('first', 300), step('second', 0), step('third', 100)];
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
    const result = (await system.tasks.result(alice, parentId)).result as { results: { value: string }[] };
    expect(result.results.map((child) => child.value)).toEqual(['first', 'second', 'third']);

    const events = await eventsOf(parentId);
    const waiting = events.find((event) => event.type === 'waiting');
    if (waiting?.type !== 'waiting' || waiting.wait.kind !== 'children') throw new Error('no children wait');
    const childIds = waiting.wait.child_task_ids;
    expect(childIds).toHaveLength(3);
    for (const [index, childId] of childIds.entries()) {
      const child = await system.tasks.get(alice, childId);
      expect(child).toMatchObject({ status: 'completed', parent_task_id: parentId, workflow: 'steps' });
      expect(child.params).toMatchObject({ result: children[index]?.params.result });
    }
    // The list finds a parent's children, each naming its parent.
    const listed = await system.tasks.list(alice, { parent_task_id: parentId, limit: 50 });
    expect(new Set(listed.items.map((item) => item.task_id))).toEqual(new Set(childIds));
    expect(listed.items.every((item) => item.parent_task_id === parentId)).toBe(true);
    expect((await system.tasks.list(alice, { parent_task_id: childIds[0] ?? '', limit: 50 })).items).toEqual(
      [],
    );
    const finished = events.flatMap((event) => (event.type === 'child_finished' ? [event] : []));
    expect(finished.map((event) => event.finished)).toEqual([1, 2, 3]);
    expect(new Set(finished.map((event) => event.child_task_id))).toEqual(new Set(childIds));
    expect(finished.every((event) => event.total === 3 && event.status === 'completed')).toBe(true);
    // The parent's progress counts its children: it rises as they finish.
    const progress = events.flatMap((event) => (event.type === 'progress' ? [event] : []));
    const counted = progress.filter((event) => event.message?.endsWith('child tasks finished'));
    // ...under the step of the node that waits for them.
    expect(counted.every((event) => event.step === 'Run the children')).toBe(true);
    // One report per settling: children that finish together (on a busy machine) share one.
    const counts = counted.map((event) => Number(event.message?.split(' ')[0]));
    expect(counts).toEqual([...new Set(counts)].sort((a, b) => a - b));
    expect(counted.at(-1)?.message).toBe('3 of 3 child tasks finished');
    const shares = counted.map((event) => event.progress);
    expect(shares).toEqual([...new Set(shares)].sort((a, b) => a - b));
  });

  it("never shows the parent's progress going down, from submit through its resumed run to completion", async () => {
    const { system } = harness;
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('a', 0), step('b', 0), step('c', 0)] },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');

    // Every figure a client sees, in stream order: progress events and statuses that carry one.
    const seen = (await eventsOf(parentId)).flatMap((event) =>
      (event.type === 'progress' || event.type === 'status') && event.progress !== undefined
        ? [event.progress]
        : [],
    );
    expect(seen.at(-1)).toBe(100);
    // The children took the parent to 99; its resumed run (the node after the wait) must not report less.
    expect(seen).toContain(99);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });

  it('reports a failed child to a parent that goes on with failures', async () => {
    const { system } = harness;
    const failing = { workflow: 'steps', params: { steps: 1, step_ms: 0, fail_attempts: 1 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('ok', 0), failing], tolerate_failures: true },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
    const { outcomes } = (await system.tasks.result(alice, parentId)).result as {
      outcomes: { status: string; error?: { code: string } | null }[];
    };
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['completed', 'failed']);
    expect(outcomes[1]?.error).toMatchObject({ code: 'WORKFLOW_ERROR' });
    const finished = (await eventsOf(parentId)).flatMap((event) =>
      event.type === 'child_finished' ? [event] : [],
    );
    expect(finished.find((event) => event.status === 'failed')).toMatchObject({
      index: 1,
      error: { code: 'WORKFLOW_ERROR' },
    });
  });

  it('counts a child retried by hand while its parent waits once, and the progress never goes back', async () => {
    const { system } = harness;
    const failing = {
      workflow: 'steps',
      params: { steps: 1, step_ms: 0, fail_attempts: 1, result: 'again' },
    };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [failing, { workflow: 'wait_signal', params: {} }], tolerate_failures: true },
    });
    const [retried, signalled] = await waitFor(async () => {
      const wait = (await system.tasks.get(alice, parentId)).wait;
      return wait?.kind === 'children' && wait.finished === 1 ? wait.child_task_ids : undefined;
    }, 'the failing child to be reported');
    if (!retried || !signalled) throw new Error('two children expected');
    expect((await system.tasks.get(alice, retried)).status).toBe('failed');
    await system.tasks.retry(alice, retried);
    expect(await waitForTerminal(system, alice, retried)).toBe('completed');
    await waitForStatus(system, alice, signalled, ['waiting']);
    await system.tasks.signal(alice, { task_id: signalled, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');

    const { outcomes } = (await system.tasks.result(alice, parentId)).result as {
      outcomes: { status: string }[];
    };
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['completed', 'completed']);
    const events = await eventsOf(parentId);
    const reported = events.flatMap((event) =>
      event.type === 'child_finished' ? [event.child_task_id] : [],
    );
    expect(reported).toEqual([retried, signalled]);
    const shares = events.flatMap((event) =>
      event.type === 'progress' && event.message?.endsWith('child tasks finished') ? [event.progress] : [],
    );
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
  });

  it('fails the parent with CHILD_FAILED when it requires every child to complete', async () => {
    const { system } = harness;
    const failing = { workflow: 'steps', params: { steps: 1, step_ms: 0, fail_attempts: 1 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [failing, step('ok', 0)] },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const children = await system.tasks.list(alice, { parent_task_id: parentId, limit: 50 });
    const failed = children.items.find((child) => child.status === 'failed');
    // The parent's error names the child that failed, to be found among up to MAX_BATCH_SIZE of them.
    expect((await system.tasks.get(alice, parentId)).error).toMatchObject({
      code: 'CHILD_FAILED',
      node_id: 'spawn',
      message: `1 of 2 child tasks did not complete (first: task ${failed?.task_id}, failed: ${failed?.error?.message})`,
    });
  });

  it('fails a parent whose child cannot run, without submitting any child', async () => {
    const { system } = harness;
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('ok', 0), { workflow: 'no_such_workflow', params: {} }] },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const parent = await system.tasks.get(alice, parentId);
    expect(parent.error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message: expect.stringContaining('no_such_workflow'),
    });
    const listed = await system.tasks.list(alice, { limit: 200 });
    expect(
      listed.items.filter((task) => task.created_at > parent.created_at && task.workflow === 'steps'),
    ).toEqual([]);
  });

  it('fails a parent that asks for more children than MAX_BATCH_SIZE in one wait, submitting none', async () => {
    await using other = await startTestSystem({ maxBatchSize: 2, maxQueueSize: 5 });
    await other.system.startWorker({ concurrency: 1, workflowsModule: WORKFLOWS_MODULE });
    const { task_id: parentId } = await other.system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('a', 0), step('b', 0), step('c', 0)] },
    });
    expect(await waitForTerminal(other.system, alice, parentId)).toBe('failed');
    expect((await other.system.tasks.get(alice, parentId)).error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message: expect.stringContaining("at most 2 per wait (the worker's MAX_BATCH_SIZE)"),
    });
    const listed = await other.system.tasks.list(alice, { limit: 10 });
    expect(listed.items.map((task) => task.task_id)).toEqual([parentId]);
  });

  it('cancels the unfinished children with their parent', async () => {
    const { system } = harness;
    const slow = { workflow: 'steps', params: { steps: 20, step_ms: 500 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('quick', 0), slow, slow] },
    });
    await waitForStatus(system, alice, parentId, ['waiting']);
    const wait = (await system.tasks.get(alice, parentId)).wait;
    if (wait?.kind !== 'children') throw new Error('the parent does not wait for children');
    const [quick, ...slowIds] = wait.child_task_ids;
    if (!quick) throw new Error('no children');
    expect(await waitForTerminal(system, alice, quick)).toBe('completed');
    await system.tasks.cancel(alice, parentId);
    expect((await system.tasks.get(alice, parentId)).status).toBe('cancelled');
    for (const childId of slowIds) {
      expect(await waitForTerminal(system, alice, childId)).toBe('cancelled');
    }
    expect((await system.tasks.get(alice, quick)).status).toBe('completed');
  });

  it('cancels a parent while its many children finish: every child ends once, the parent stays cancelled', async () => {
    const { system } = harness;
    const children = Array.from({ length: 60 }, (_, i) => step(`child-${i}`, 20));
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children },
    });
    await waitFor(async () => {
      const wait = (await system.tasks.get(alice, parentId)).wait;
      return wait?.kind === 'children' && wait.finished >= 1;
    }, 'a first child to finish');
    expect(await system.tasks.cancel(alice, parentId)).toEqual({ task_id: parentId, status: 'cancelled' });

    const events = await eventsOf(parentId);
    const waiting = events.find((event) => event.type === 'waiting');
    if (waiting?.type !== 'waiting' || waiting.wait.kind !== 'children') throw new Error('no children wait');
    const statuses = await Promise.all(
      waiting.wait.child_task_ids.map((childId) => waitForTerminal(system, alice, childId)),
    );
    for (const status of statuses) expect(['completed', 'cancelled']).toContain(status);
    expect(statuses).toContain('cancelled');
    const parent = await system.tasks.get(alice, parentId);
    expect(parent).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    // Each child is reported at most once, and only while the parent still waited.
    const reported = events.flatMap((event) =>
      event.type === 'child_finished' ? [event.child_task_id] : [],
    );
    expect(new Set(reported).size).toBe(reported.length);
    const cancelledAt = events.findIndex((event) => event.type === 'status' && event.status === 'cancelled');
    expect(events.slice(cancelledAt).some((event) => event.type === 'child_finished')).toBe(false);
    expect(
      events
        .filter((event) => event.type === 'status')
        .map((event) => event.type === 'status' && event.status),
    ).toEqual(['queued', 'running', 'waiting', 'cancelled']);
  });
});

describe('retrying a child task by hand', () => {
  /** The child task ids of the parent's children wait, from its `waiting` event. */
  async function childrenOf(parentId: string): Promise<string[]> {
    const waiting = (await eventsOf(parentId)).find((event) => event.type === 'waiting');
    if (waiting?.type !== 'waiting' || waiting.wait.kind !== 'children') throw new Error('no children wait');
    return waiting.wait.child_task_ids;
  }

  it('is refused once the parent has completed: its outcome would go nowhere', async () => {
    const { system } = harness;
    const { deadLetters } = system.orchestration;
    const failing = { workflow: 'steps', params: { steps: 1, step_ms: 0, fail_attempts: 1 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('ok', 0), failing], tolerate_failures: true },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
    const [, failedChild] = await childrenOf(parentId);
    if (!failedChild) throw new Error('two children expected');
    expect((await system.tasks.get(alice, failedChild)).status).toBe('failed');

    const refusal = {
      code: 'CONFLICT',
      message: `task ${failedChild} is a child of task ${parentId}, which is completed and no longer waits for it: the parent's result holds this child's outcome; submit the parent's workflow again to run it anew`,
    };
    await expect(system.tasks.retry(alice, failedChild)).rejects.toMatchObject(refusal);
    // The same from the dead-letter queue: refused alone, left listed (and not picked) by a redrive of all.
    await expect(deadLetters.redrive(alice, failedChild)).rejects.toMatchObject(refusal);
    expect(await deadLetters.redriveAll(alice, { workflow: 'steps' })).toMatchObject({ redriven: 0 });
    expect(
      (await deadLetters.list(alice, { workflow: 'steps' })).items.map((item) => item.task_id),
    ).toContain(failedChild);
    expect((await system.tasks.get(alice, failedChild)).status).toBe('failed');
    expect((await system.tasks.get(alice, parentId)).status).toBe('completed');
  });

  it('is refused once the parent has failed: retry the parent instead', async () => {
    const { system } = harness;
    const failing = { workflow: 'steps', params: { steps: 1, step_ms: 0, fail_attempts: 1 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [failing] },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const [child] = await childrenOf(parentId);
    if (!child) throw new Error('a child expected');
    const refusal = {
      code: 'CONFLICT',
      message: `task ${child} is a child of task ${parentId}, which is failed and no longer waits for it: retry the parent instead`,
    };
    await expect(system.tasks.retry(alice, child)).rejects.toMatchObject(refusal);
    await expect(system.orchestration.deadLetters.redrive(alice, child)).rejects.toMatchObject(refusal);
    expect((await system.tasks.get(alice, child)).status).toBe('failed');
    // What the refusal says works: the parent's retry runs its waiting node again, with a new child.
    await system.tasks.retry(alice, parentId);
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const children = (await eventsOf(parentId)).flatMap((event) =>
      event.type === 'waiting' && event.wait.kind === 'children' ? event.wait.child_task_ids : [],
    );
    expect(children).toHaveLength(2);
    expect(children[1]).not.toBe(child);
  });

  it('is refused for a child cancelled with its parent', async () => {
    const { system } = harness;
    const slow = { workflow: 'steps', params: { steps: 20, step_ms: 500 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [slow] },
    });
    await waitForStatus(system, alice, parentId, ['waiting']);
    await system.tasks.cancel(alice, parentId);
    const [child] = await childrenOf(parentId);
    if (!child) throw new Error('a child expected');
    expect(await waitForTerminal(system, alice, child)).toBe('cancelled');
    await expect(system.tasks.retry(alice, child)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `task ${child} is a child of task ${parentId}, which is cancelled and no longer waits for it: retry the parent instead`,
    });
    expect((await system.tasks.get(alice, child)).status).toBe('cancelled');
  });
});

describe('retrying a parent by hand', () => {
  /** The child task ids of each children wait the parent began, in order. */
  async function waitsOf(parentId: string): Promise<string[][]> {
    return (await eventsOf(parentId)).flatMap((event) =>
      event.type === 'waiting' && event.wait.kind === 'children' ? [event.wait.child_task_ids] : [],
    );
  }

  async function childrenListed(parentId: string): Promise<string[]> {
    const listed = await harness.system.tasks.list(alice, { parent_task_id: parentId, limit: 50 });
    return listed.items.map((child) => child.task_id);
  }

  it('reuses the children that completed and runs only the failed one again', async () => {
    const { system } = harness;
    const failing = { workflow: 'steps', params: { steps: 1, step_ms: 0, fail_attempts: 1 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('a', 0), failing, step('c', 0)] },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    await system.tasks.retry(alice, parentId);
    // The failing child fails again as a new task: the parent fails again, with one child more, not three.
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const [first, second] = await waitsOf(parentId);
    if (!first || !second) throw new Error('two children waits expected');
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[2]).toBe(first[2]);
    expect((await childrenListed(parentId)).sort()).toEqual([...first, second[1]].sort());
    const logs = (await eventsOf(parentId)).flatMap((event) => (event.type === 'log' ? [event.message] : []));
    expect(logs).toContain(
      '2 of 3 child tasks completed before this retry: their results are reused, 1 run again',
    );
  });

  it('runs again a completed child of another version of its workflow than the retry would submit to', async () => {
    const { system } = harness;
    const failing = { workflow: 'steps', params: { steps: 1, step_ms: 0, fail_attempts: 1 } };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('a', 0), failing] },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const [first] = await waitsOf(parentId);
    if (!first?.[0]) throw new Error('a children wait expected');
    // As if a deploy had changed the child workflow's version (its result schema) since the child ran.
    await system.context.db.execute(
      sql`update tasks set workflow_version = 'an earlier build' where id = ${first[0]}`,
    );
    await system.tasks.retry(alice, parentId);
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const [, second] = await waitsOf(parentId);
    expect(second?.[0]).toBeDefined();
    expect(second?.[0]).not.toBe(first[0]);
  });

  it('completes a cancelled parent with every result in order, running only the cancelled child again', async () => {
    const { system } = harness;
    /** The children the parent waits for now. */
    async function waitedFor(parentId: string): Promise<string[]> {
      await waitForStatus(system, alice, parentId, ['waiting']);
      const wait = (await system.tasks.get(alice, parentId)).wait;
      if (wait?.kind !== 'children') throw new Error('the parent does not wait for children');
      return wait.child_task_ids;
    }
    // The middle child waits for a signal: it is still unfinished when its parent is cancelled.
    const approval = { workflow: 'wait_signal_inline', params: {} };
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('quick', 0), approval, step('quick too', 0)] },
    });
    const [quick, waitingChild, quickToo] = await waitedFor(parentId);
    if (!quick || !waitingChild || !quickToo) throw new Error('three children expected');
    expect(await waitForTerminal(system, alice, quick)).toBe('completed');
    expect(await waitForTerminal(system, alice, quickToo)).toBe('completed');
    await system.tasks.cancel(alice, parentId);
    expect(await waitForTerminal(system, alice, waitingChild)).toBe('cancelled');

    await system.tasks.retry(alice, parentId);
    const [first, newChild, last] = await waitedFor(parentId);
    expect([first, last]).toEqual([quick, quickToo]);
    if (!newChild || newChild === waitingChild) throw new Error('a new child expected in the middle');
    await waitForStatus(system, alice, newChild, ['waiting']);
    await system.tasks.signal(alice, { task_id: newChild, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
    const result = (await system.tasks.result(alice, parentId)).result as { results: unknown[] };
    expect(result.results).toEqual([
      expect.objectContaining({ value: 'quick' }),
      expect.objectContaining({ decision: 'approved' }),
      expect.objectContaining({ value: 'quick too' }),
    ]);
    expect((await childrenListed(parentId)).sort()).toEqual([quick, waitingChild, quickToo, newChild].sort());
  });

  it('resumes at once when every child had completed: none runs again', async () => {
    const { system } = harness;
    // The resumed run (attempt 2) fails in the waiting node's post, after both children completed.
    const { task_id: parentId } = await system.tasks.submit(alice, {
      workflow: 'wait_children',
      params: { children: [step('one', 0), step('two', 0)], fail_post_attempts: 2 },
    });
    expect(await waitForTerminal(system, alice, parentId)).toBe('failed');
    const before = await childrenListed(parentId);
    expect(before).toHaveLength(2);

    await system.tasks.retry(alice, parentId);
    expect(await waitForTerminal(system, alice, parentId)).toBe('completed');
    const result = (await system.tasks.result(alice, parentId)).result as { results: { value: string }[] };
    expect(result.results.map((child) => child.value)).toEqual(['one', 'two']);
    expect((await childrenListed(parentId)).sort()).toEqual([...before].sort());
  });
});
