import { isTaskIdPrefix, isUuid } from '@kaygraph/contracts';

/** What a task route or the "Go to task" box was given. */
export type TaskIdInput =
  | { kind: 'full'; taskId: string }
  | { kind: 'partial'; prefix: string }
  | { kind: 'invalid' }
  | { kind: 'empty' };

/**
 * Sorts text into a full id (open it), the start of one (the lists show 8 characters: look it up) or
 * neither. The rules are the api's own (contracts), so what is sent is what it accepts.
 */
export function readTaskIdInput(text: string): TaskIdInput {
  const value = text.trim();
  if (value === '') return { kind: 'empty' };
  if (isUuid(value)) return { kind: 'full', taskId: value.toLowerCase() };
  if (isTaskIdPrefix(value)) return { kind: 'partial', prefix: value.toLowerCase() };
  return { kind: 'invalid' };
}
