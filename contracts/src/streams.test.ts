import { describe, expect, expectTypeOf, test } from 'vitest';
import { TASK_EVENT_TYPES, type TaskEventType } from './events.ts';
import { SSE_EVENT_NAMES, SseEventData, TaskSocketEvent } from './streams.ts';

describe('the hand-written streams carry every task event type', () => {
  test('SSE: an `event:` name and a `data:` schema for each, then done', () => {
    expect(SSE_EVENT_NAMES).toEqual([...TASK_EVENT_TYPES, 'done']);
    expect(Object.keys(SseEventData).sort()).toEqual([...SSE_EVENT_NAMES].sort());
  });

  test('the raw socket: status and progress as state updates, every other type as it is', () => {
    const asTheyAre = TaskSocketEvent.options.map((option) => option.shape.type.value);
    expect([...asTheyAre, 'status', 'progress'].sort()).toEqual([...TASK_EVENT_TYPES].sort());
    expectTypeOf<
      Exclude<TaskEventType, TaskSocketEvent['type'] | 'status' | 'progress'>
    >().toEqualTypeOf<never>();
  });
});
