import type { Database } from '@kaygraph/db';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TaskHistoryReader } from '../src/events/task-history.ts';
import { appendEvents } from '../src/store/events.ts';
import { alice, startTestSystem, type TestSystem } from './harness.ts';

let harness: TestSystem;

beforeAll(async () => {
  harness = await startTestSystem();
});
afterAll(async () => {
  await harness?.[Symbol.asyncDispose]();
});

/** The real database, but each statement's answer is held until `release()`; counts the statements. */
function heldAnswers(db: Database) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  let answered!: () => void;
  const firstAnswered = new Promise<void>((resolve) => {
    answered = resolve;
  });
  let statements = 0;
  const executor = new Proxy(db, {
    get(target, property, receiver) {
      if (property !== 'execute') return Reflect.get(target, property, receiver);
      return async (query: Parameters<Database['execute']>[0]) => {
        statements++;
        const result = await target.execute(query);
        answered();
        await held;
        return result;
      };
    },
  });
  return { executor, release, firstAnswered, statements: () => statements };
}

it('requests made while a read is in flight share the next read, which sees what was written meanwhile', async () => {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, { workflow: 'noop', params: {}, priority: 'normal' });
  const db = system.context.db;
  const held = heldAnswers(db);
  const reader = new TaskHistoryReader(held.executor);

  const early = reader.read(task_id, 0);
  await held.firstAnswered;
  await appendEvents(db, [{ taskId: task_id, type: 'log', payload: { level: 'info', message: 'later' } }]);
  const fromStart = reader.read(task_id, 0);
  const afterFirst = reader.read(task_id, 1);
  held.release();

  const seqs = async (history: Promise<{ events: { seq: number }[] } | null>) =>
    (await history)?.events.map((event) => event.seq);
  expect(await seqs(early)).toEqual([1]);
  expect(await seqs(fromStart)).toEqual([1, 2]);
  expect(await seqs(afterFirst)).toEqual([2]);
  expect(held.statements()).toBe(2);
  expect(await fromStart).toMatchObject({ owner: 'alice', lastSeq: 2 });
});

it('an unknown task reads as null', async () => {
  const reader = new TaskHistoryReader(harness.system.context.db);
  expect(await reader.read('00000000-0000-4000-8000-000000000000', 0)).toBeNull();
});
