import { describe, expect, expectTypeOf, test } from 'vitest';
import { TASK_EVENT_TYPES, type TaskEventType } from './events.ts';
import { GroupEvent } from './groups.ts';

describe('the group stream carries every task event type', () => {
  test("a `task` event's event is any TaskEvent, log included", () => {
    const taskEvent = GroupEvent.options.find((option) => option.shape.type.value === 'task');
    if (!taskEvent || !('event' in taskEvent.shape)) throw new Error('GroupEvent has no task event');
    const types = taskEvent.shape.event.options.map((option) => option.shape.type.value);
    expect([...types].sort()).toEqual([...TASK_EVENT_TYPES].sort());
    expectTypeOf<Extract<GroupEvent, { type: 'task' }>['event']['type']>().toEqualTypeOf<TaskEventType>();
  });
});
