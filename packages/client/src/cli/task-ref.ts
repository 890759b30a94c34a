import { isTaskIdPrefix, isUuid } from '@kaygraph/contracts';
import { CliError } from './output.ts';
import type { CliSession } from './session.ts';

/** How many matches a short id that names several tasks lists. */
const LISTED_MATCHES = 5;

/** The fewest characters that name a task a command changes (cancel, retry, signal): what lists show. */
export const SHORT_ID_TO_ACT = 8;

/**
 * The task a command names: its id, or the first characters of it (`0b8f5a0e`, as the dashboard shows
 * ids), when exactly one task the key may see starts with them. A command that changes the task (`acts`)
 * needs at least SHORT_ID_TO_ACT of them: `kaygraph cancel a` must not cancel whatever starts with "a".
 */
export async function resolveTaskId(session: CliSession, text: string, acts = false): Promise<string> {
  if (isUuid(text)) return text;
  if (!isTaskIdPrefix(text)) {
    throw new CliError('BAD_REQUEST', `"${text}" is not a task id, nor the start of one (hex digits)`, 2);
  }
  if (acts && text.length < SHORT_ID_TO_ACT) {
    throw new CliError(
      'BAD_REQUEST',
      `give at least ${SHORT_ID_TO_ACT} characters of the task id to change a task (${text} is ${text.length})`,
      2,
    );
  }
  const page = await session.api(
    (client) => client.tasks.list.query({ id_prefix: text, limit: LISTED_MATCHES }),
    'tasks.list',
  );
  const [only, ...others] = page.items;
  if (!only) throw new CliError('NOT_FOUND', `no task id starts with ${text}`);
  if (others.length === 0) return only.task_id;
  const listed = page.items.map((task) => `  ${task.task_id}  ${task.workflow}  ${task.status}`).join('\n');
  const more = page.next_cursor ? '\n  ...' : '';
  throw new CliError(
    'BAD_REQUEST',
    `${text} is the start of more than one task id; give more of it:\n${listed}${more}`,
    2,
  );
}
