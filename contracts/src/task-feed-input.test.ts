import { expect, it } from 'vitest';
import { TaskFeedInput } from './events.ts';

it('a feed names each event type at most once', () => {
  expect(TaskFeedInput.safeParse({ types: ['status', 'progress'] }).success).toBe(true);
  const repeated = TaskFeedInput.safeParse({ types: ['status', 'status'] });
  expect(repeated.success).toBe(false);
  expect(repeated.error?.issues[0]?.message).toBe('name each event type once');
});
