import {
  LOG_TEXT_LIMIT,
  PROGRESS_TEXT_LIMIT,
  type TaskEvent,
  truncatedText,
  truncationMarker,
} from '@kaygraph/contracts';
import { expect, it } from 'vitest';
import { storedEvents } from './fixtures/stored-events.ts';
import { alice, useSystemWithWorker } from './harness.ts';

const harness = useSystemWithWorker({ concurrency: 1 });

const CHARS = 1_000_000;
/** `letter` repeated CHARS times, as a run reported it, cut as the contract says. */
const cut = (letter: string, limit: number) =>
  letter.repeat(limit - truncationMarker(CHARS).length) + truncationMarker(CHARS);

/**
 * The event that carried the run's report: its progress event at 50 %, or, when the worker had not written
 * it before the run ended (a loaded machine), the completion it rode on at 100 %.
 */
const reportCarrier = (watched: TaskEvent[]) =>
  watched.findLast((event) => event.type === 'progress' && event.step !== null) ?? watched.at(-1);

it('a run that reports a 1 MB progress message and log line completes; watchers, the task and its events see them cut with a marker', async () => {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'oversized_reports',
    params: { chars: CHARS },
  });
  const watched: TaskEvent[] = [];
  for await (const event of system.tasks.events(alice, task_id, {})) watched.push(event);

  const step = cut('s', PROGRESS_TEXT_LIMIT);
  const message = cut('m', PROGRESS_TEXT_LIMIT);
  expect(step).toHaveLength(PROGRESS_TEXT_LIMIT);
  expect(reportCarrier(watched)).toMatchObject({
    progress: expect.toSatisfy((progress: number) => progress === 50 || progress === 100),
    step,
    message,
  });
  const lines = watched.flatMap((event) => (event.type === 'log' ? [event] : []));
  expect(lines.map((line) => line.message)).toEqual([cut('l', LOG_TEXT_LIMIT), 'a line with large data']);
  // Data too large is its JSON text, cut.
  expect(lines[1]?.data).toBe(truncatedText(JSON.stringify({ blob: 'd'.repeat(CHARS) }), LOG_TEXT_LIMIT));
  expect(lines[1]?.data).toHaveLength(LOG_TEXT_LIMIT);
  // Completed: the last step and message, as cut.
  expect(watched.at(-1)).toMatchObject({ type: 'status', status: 'completed', progress: 100, step, message });

  expect(await system.tasks.get(alice, task_id)).toMatchObject({ status: 'completed', step, message });
  expect(await system.tasks.progress(alice, task_id)).toMatchObject({ step, message });
  // The stored history a later watcher replays is the same.
  expect(await storedEvents(system.context.db, task_id, 0)).toEqual(watched);
});

it('a log line whose data JSON cannot write (a BigInt) is kept, saying so, and the reports around it too', async () => {
  const { system } = harness;
  const { task_id } = await system.tasks.submit(alice, {
    workflow: 'oversized_reports',
    params: { chars: 10, bigint: true },
  });
  const watched: TaskEvent[] = [];
  for await (const event of system.tasks.events(alice, task_id, {})) watched.push(event);
  expect(reportCarrier(watched)).toMatchObject({
    progress: expect.toSatisfy((progress: number) => progress === 50 || progress === 100),
    step: 'ssssssssss',
  });
  const lines = watched.flatMap((event) => (event.type === 'log' ? [event] : []));
  expect(lines.map((line) => [line.message, line.data])).toEqual([
    ['before', undefined],
    ['a line with a BigInt', 'data not written: TypeError: Do not know how to serialize a BigInt'],
    ['after', undefined],
    ['llllllllll', undefined],
    ['a line with large data', { blob: 'dddddddddd' }],
  ]);
});
