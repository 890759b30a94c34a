import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, alice, bob, queueOf, startTestSystem, type TestSystem } from './harness.ts';

// No worker here: tasks stay queued, which is what the queue limit counts.
let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem({ maxQueueSize: 60, maxBatchSize: 60 });
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

describe('submit', () => {
  it('50 concurrent submits with one idempotency key make one task', async () => {
    const { system } = harness;
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        system.tasks.submit(alice, {
          workflow: 'steps',
          params: {},
          priority: 'normal',
          idempotency_key: 'once',
        }),
      ),
    );
    const ids = new Set(results.map((r) => r.task_id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
    const listed = await system.tasks.list(alice, { limit: 200 });
    expect(listed.items.filter((t) => ids.has(t.task_id))).toHaveLength(1);
    const queued = await system.context.queue.queuedTaskIds(queueOf('steps'));
    expect(queued.filter((id) => ids.has(id))).toHaveLength(1);
    // The key is per owner: bob gets a task of his own.
    const bobs = await system.tasks.submit(bob, {
      workflow: 'steps',
      params: {},
      priority: 'normal',
      idempotency_key: 'once',
    });
    expect(ids.has(bobs.task_id)).toBe(false);
    expect(bobs.deduplicated).toBe(false);
  });

  it('an idempotency key held by a task of another workflow is a CONFLICT naming it, in a batch too', async () => {
    const { system } = harness;
    const erin = { owner: 'erin', admin: false };
    const first = await system.tasks.submit(erin, {
      workflow: 'steps',
      params: {},
      idempotency_key: 'order-42',
    });
    await expect(
      system.tasks.submit(erin, { workflow: 'noop', params: {}, idempotency_key: 'order-42' }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `idempotency key "order-42" is held by task ${first.task_id}, of workflow "steps", not "noop"`,
      issues: [{ path: 'idempotency_key', message: 'held by a task of another workflow' }],
    });
    // An alias names the same workflow: the key gives its task back.
    expect(
      await system.tasks.submit(erin, { workflow: 'chain', params: {}, idempotency_key: 'order-42' }),
    ).toMatchObject({ task_id: first.task_id, deduplicated: true });
    // A task stored under the workflow's former name (its alias now), as one queued before a rename is.
    await system.context.db.execute(sql`update tasks set workflow = 'chain' where id = ${first.task_id}`);
    expect(
      await system.tasks.submit(erin, { workflow: 'steps', params: {}, idempotency_key: 'order-42' }),
    ).toMatchObject({ task_id: first.task_id, deduplicated: true });
    await expect(
      system.tasks.submitMany(erin, [
        { workflow: 'steps', params: {}, idempotency_key: 'order-43' },
        { workflow: 'noop', params: {}, idempotency_key: 'order-43' },
      ]),
    ).rejects.toMatchObject({ code: 'CONFLICT', issues: [{ path: 'tasks.1.idempotency_key' }] });
    expect((await system.tasks.list(erin, { limit: 10 })).items).toHaveLength(1);
  });

  it('an idempotency key reused with other params is a CONFLICT saying so; the same params in any key order dedupe', async () => {
    const { system } = harness;
    const kim = { owner: 'kim', admin: false };
    const first = await system.tasks.submit(kim, {
      workflow: 'steps',
      params: { steps: 2, result: { a: 1, b: [1, 2] } },
      idempotency_key: 'invoice-7',
    });
    // Another object key order, and a default spelled out: the same params, the same task.
    expect(
      await system.tasks.submit(kim, {
        workflow: 'steps',
        params: { result: { b: [1, 2], a: 1 }, step_ms: 20, steps: 2 },
        idempotency_key: 'invoice-7',
      }),
    ).toMatchObject({ task_id: first.task_id, deduplicated: true });
    // The message names the params that differ and says what to do.
    const conflictOn = (differing: string) => ({
      code: 'CONFLICT',
      message:
        `idempotency key "invoice-7" is held by task ${first.task_id}, submitted with other params ` +
        `(${differing}, compared with the workflow's defaults applied): send the params of the key's ` +
        'first use, or use a new key',
      issues: [{ path: 'idempotency_key', message: 'held by a task with other params' }],
    });
    await expect(
      system.tasks.submit(kim, {
        workflow: 'steps',
        params: { steps: 3, result: { a: 1, b: [1, 2] } },
        idempotency_key: 'invoice-7',
      }),
    ).rejects.toMatchObject(conflictOn('"steps" differs'));
    // An array's order does count.
    await expect(
      system.tasks.submit(kim, {
        workflow: 'steps',
        params: { steps: 2, result: { a: 1, b: [2, 1] } },
        idempotency_key: 'invoice-7',
      }),
    ).rejects.toMatchObject(conflictOn('"result" differs'));
    // In a batch: against the stored task, and against the key's first use in the batch; nothing is stored.
    await expect(
      system.tasks.submitMany(kim, [
        { workflow: 'steps', params: {}, idempotency_key: 'invoice-8' },
        { workflow: 'steps', params: { steps: 9 }, idempotency_key: 'invoice-7' },
      ]),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message: conflictOn('"result", "steps" differ').message,
      issues: [{ path: 'tasks.1.idempotency_key', message: 'held by a task with other params' }],
    });
    await expect(
      system.tasks.submitMany(kim, [
        { workflow: 'steps', params: { steps: 1 }, idempotency_key: 'invoice-9' },
        { workflow: 'steps', params: { steps: 1 }, idempotency_key: 'invoice-9' },
        { workflow: 'steps', params: { steps: 2 }, idempotency_key: 'invoice-9' },
      ]),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
      message:
        'idempotency key "invoice-9" is held by an earlier task of this batch, submitted with other params ' +
        `("steps" differs, compared with the workflow's defaults applied): send the params of the key's ` +
        'first use, or use a new key',
      issues: [{ path: 'tasks.2.idempotency_key', message: 'held by a task with other params' }],
    });
    expect((await system.tasks.list(kim, { limit: 10 })).items.map((task) => task.task_id)).toEqual([
      first.task_id,
    ]);
    expect((await system.tasks.get(kim, first.task_id)).params).toMatchObject({ steps: 2 });
  });

  it('of concurrent submits of one key with two sets of params, those of the first task dedupe and the rest conflict', async () => {
    const { system } = harness;
    const lee = { owner: 'lee', admin: false };
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        system.tasks.submit(lee, {
          workflow: 'steps',
          params: { steps: 1 + (i % 2) },
          idempotency_key: 'race',
        }),
      ),
    );
    const [task] = (await system.tasks.list(lee, { limit: 10 })).items;
    expect((await system.tasks.list(lee, { limit: 10 })).items).toHaveLength(1);
    const steps = (await system.tasks.get(lee, task?.task_id ?? '')).params.steps;
    settled.forEach((outcome, i) => {
      if (1 + (i % 2) === steps) expect(outcome).toMatchObject({ value: { task_id: task?.task_id } });
      else expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    });
  });

  it('refuses text PostgreSQL cannot store (NUL, unpaired surrogates) in params or the idempotency key', async () => {
    const { system } = harness;
    const ivan = { owner: 'ivan', admin: false };
    const inputs = [
      { workflow: 'steps', params: { artifact: 'a\u0000b' }, priority: 'normal' as const },
      { workflow: 'steps', params: { nested: [{ 'k\u0000': 1 }] }, priority: 'normal' as const },
      { workflow: 'steps', params: {}, priority: 'normal' as const, idempotency_key: 'a\u0000b' },
      { workflow: 'steps', params: { artifact: 'a\ud800b' }, priority: 'normal' as const },
      { workflow: 'steps', params: {}, priority: 'normal' as const, idempotency_key: 'x\udc00' },
    ];
    for (const [index, input] of inputs.entries()) {
      await expect(system.tasks.submit(ivan, input)).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        issues: [
          expect.objectContaining({
            path: index === 2 || index === 4 ? 'idempotency_key' : 'params',
            message: expect.stringContaining('NUL'),
          }),
        ],
      });
    }
    expect((await system.tasks.list(ivan, { limit: 50 })).items).toHaveLength(0);
  });

  it('rejects params that fail the workflow schema, naming the field', async () => {
    await expect(
      harness.system.tasks.submit(alice, {
        workflow: 'steps',
        params: { steps: 'many' },
        priority: 'normal',
      }),
    ).rejects.toMatchObject({
      code: 'INVALID_PARAMS',
      issues: [expect.objectContaining({ path: 'params.steps' })],
    });
  });

  it('answers QUEUE_FULL once an owner has max_queue_size unfinished tasks', async () => {
    const { system } = harness;
    const carol = { owner: 'carol', admin: false };
    const batch = await system.tasks.submitMany(
      carol,
      Array.from({ length: 59 }, (_, i) => ({
        workflow: 'steps',
        params: { steps: 1 },
        priority: 'normal' as const,
        idempotency_key: `k${i}`,
      })),
    );
    expect(batch.tasks).toHaveLength(59);
    await system.tasks.submit(carol, { workflow: 'steps', params: {}, priority: 'normal' });
    await expect(
      system.tasks.submit(carol, { workflow: 'steps', params: {}, priority: 'normal' }),
    ).rejects.toMatchObject({
      code: 'QUEUE_FULL',
    });
    // A duplicate of an existing task is not a new task: still answered.
    const again = await system.tasks.submit(carol, {
      workflow: 'steps',
      params: { steps: 1 },
      priority: 'normal',
      idempotency_key: 'k3',
    });
    expect(again).toMatchObject({ task_id: batch.tasks[3]?.task_id, deduplicated: true });
    // Cancelling frees a place.
    await system.tasks.cancel(carol, batch.tasks[0]?.task_id ?? '');
    await expect(
      system.tasks.submit(carol, { workflow: 'steps', params: {}, priority: 'normal' }),
    ).resolves.toMatchObject({
      status: 'queued',
    });
    // Other owners are not affected.
    await expect(
      system.tasks.submit(bob, { workflow: 'steps', params: {}, priority: 'normal' }),
    ).resolves.toBeDefined();
  });
});

describe('list', () => {
  it('pages newest first with an opaque cursor and filters; admins may pick the owner', async () => {
    const { system } = harness;
    const dave = { owner: 'dave', admin: false };
    const made: string[] = [];
    for (let i = 0; i < 7; i++) {
      const workflow = i % 2 === 0 ? 'steps' : 'noop';
      made.push((await system.tasks.submit(dave, { workflow, params: {}, priority: 'normal' })).task_id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await system.tasks.list(dave, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((t) => t.task_id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());

    const noops = await system.tasks.list(dave, { limit: 50, workflow: 'noop' });
    expect(noops.items.map((t) => t.task_id)).toEqual([made[5], made[3], made[1]]);
    const cancelled = await system.tasks.list(dave, { limit: 50, status: 'cancelled' });
    expect(cancelled.items).toEqual([]);

    await expect(system.tasks.list(dave, { limit: 5, owner: 'alice' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const asAdmin = await system.tasks.list(admin, { limit: 50, owner: 'dave' });
    expect(asAdmin.items).toHaveLength(7);
    await expect(system.tasks.list(dave, { limit: 5, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});
