/** A full task id: a UUID, any case (the api lowercases it). */
const FULL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The start of one: what the lists show (8 characters) or any longer piece. */
const PARTIAL_ID = /^[0-9a-f][0-9a-f-]{0,34}$/i;

/** What the "Go to task" box was given. */
export type TaskIdInput =
  | { kind: 'full'; taskId: string }
  | { kind: 'partial'; prefix: string }
  | { kind: 'invalid' }
  | { kind: 'empty' };

/** Sorts the box's text into a full id (open it), the start of one (the api needs all of it) or neither. */
export function readTaskIdInput(text: string): TaskIdInput {
  const value = text.trim();
  if (value === '') return { kind: 'empty' };
  if (FULL_ID.test(value)) return { kind: 'full', taskId: value.toLowerCase() };
  if (PARTIAL_ID.test(value)) return { kind: 'partial', prefix: value.toLowerCase() };
  return { kind: 'invalid' };
}
