import { describe, expect, it } from 'vitest';
import { alice, bob, useSystemWithWorker, waitForStatus, waitForTerminal } from './harness.ts';

const harness = useSystemWithWorker({ concurrency: 2 });

describe('submit -> worker -> result', () => {
  it('keeps a workflow that waits for a signal waiting, then resumes it with the payload', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'awaits_signal',
      params: {},
      priority: 'normal',
    });
    await waitForStatus(system, alice, task_id, ['waiting']);
    expect((await system.tasks.get(alice, task_id)).wait).toMatchObject({
      kind: 'signal',
      signal: 'approval',
      node_id: 'await_approval',
      deadline: null,
    });
    await system.tasks.signal(alice, { task_id, name: 'approval', payload: { approved: true } });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    expect((await system.tasks.result(alice, task_id)).result).toEqual({ approved: true });
  });

  it('runs a thread workflow to completion with progress, metrics and events', async () => {
    const { system } = harness;
    const submitted = await system.tasks.submit(alice, {
      workflow: 'steps',
      params: { steps: 3, step_ms: 10, result: { answer: 42 }, artifact: 'hello' },
      priority: 'normal',
    });
    expect(submitted).toMatchObject({ status: 'queued', deduplicated: false });
    expect(await waitForTerminal(system, alice, submitted.task_id)).toBe('completed');

    const result = await system.tasks.result(alice, submitted.task_id);
    expect(result.status).toBe('completed');
    expect(result.result).toMatchObject({
      value: { answer: 42 },
      ran: ['step_1', 'step_2', 'step_3'],
      attempt: 1,
    });
    expect(result.artifacts.map((a) => a.name)).toEqual(['report.txt']);
    const artifact = await system.tasks.openArtifact(alice, submitted.task_id, 'report.txt');
    expect(artifact).toMatchObject({ name: 'report.txt', size: 5 });
    const chunks: Buffer[] = [];
    for await (const chunk of artifact.chunks()) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString('utf8')).toBe('hello');

    const view = await system.tasks.get(alice, submitted.task_id);
    expect(view.progress).toBe(100);
    expect(view.metrics?.map((m) => m.node_id)).toEqual(['step_1', 'step_2', 'step_3', 'finish']);

    const events = [];
    for await (const event of system.tasks.events(alice, submitted.task_id, {})) events.push(event);
    const statuses = events
      .filter((e) => e.type === 'status')
      .map((e) => (e.type === 'status' ? e.status : ''));
    expect(statuses).toEqual(['queued', 'running', 'completed']);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.some((e) => e.type === 'log' && e.message === 'step 2 running')).toBe(true);
  });

  it('runs an inline workflow', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'steps_inline',
      params: { steps: 2 },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('completed');
    expect((await system.tasks.result(alice, task_id)).result).toMatchObject({ ran: ['step_1', 'step_2'] });
  });

  it('fails a run whose result does not match the workflow result schema, naming the field', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'typed_result',
      params: { steps: 1, result: { total: 'ten' } },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, task_id)).toBe('failed');
    expect((await system.tasks.get(alice, task_id)).error).toMatchObject({
      code: 'WORKFLOW_ERROR',
      message:
        "result does not match the workflow's result schema: result.value.total: Invalid input: expected number, received string",
    });
    const good = await system.tasks.submit(alice, {
      workflow: 'typed_result',
      params: { steps: 1, result: { total: 10 } },
      priority: 'normal',
    });
    expect(await waitForTerminal(system, alice, good.task_id)).toBe('completed');
  });

  it('refuses other owners and unknown workflows', async () => {
    const { system } = harness;
    const { task_id } = await system.tasks.submit(alice, {
      workflow: 'noop',
      params: {},
      priority: 'normal',
    });
    await expect(system.tasks.get(bob, task_id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      system.tasks.submit(alice, { workflow: 'nope', params: {}, priority: 'normal' }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('registered workflows: awaits_signal, big_log, limited, noop'),
    });
  });
});
