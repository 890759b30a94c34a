import type { TaskError } from '@kaygraph/contracts';
import { refusalReason } from '../database-errors.ts';
import type { AttemptOutcome } from '../store/finish.ts';
import { failure } from './attempt-outcome.ts';
import type { PlannedOutcome } from './planned-outcome.ts';

/** What each outcome stores that PostgreSQL may refuse. */
const WHAT_IT_STORES = {
  completed: 'result (or an artifact returned with it)',
  retry: 'error',
  failed: 'error',
  suspended: 'wait (its checkpoint, or its child tasks)',
} as const;

/** Longest start of a refused error's message kept in the failure that replaces it. */
const REFUSED_MESSAGE_CHARS = 200;

/**
 * The failure that replaces an outcome PostgreSQL refused to store (`error`), so the task ends, saying why,
 * instead of staying `running` for good. Not retried: the same run would hand over the same value. A
 * refused error keeps its code and node, and the start of its message with unstorable characters replaced.
 * Undefined for outcomes that store nothing of the run's (released, abandoned).
 */
export function refusedOutcome(outcome: PlannedOutcome, error: unknown): AttemptOutcome | undefined {
  if (outcome.kind === 'released' || outcome.kind === 'abandoned') return undefined;
  const refused: TaskError = {
    code: 'WORKFLOW_ERROR',
    message: `the task's ${WHAT_IT_STORES[outcome.kind]} could not be stored: ${refusalReason(error)}`,
  };
  if (outcome.kind === 'retry' || outcome.kind === 'failed') {
    const original = outcome.error;
    // Cut before cleaning: a cut may split a surrogate pair, which storable() then replaces.
    refused.code = storable(original.code.slice(0, 100));
    refused.message += `; it began: ${original.message.slice(0, REFUSED_MESSAGE_CHARS)}`;
    if (typeof original.node_id === 'string') refused.node_id = storable(original.node_id);
  }
  refused.message = storable(refused.message);
  return failure(outcome.attempt, refused, false, outcome.metrics);
}

/** Text without what PostgreSQL cannot store (NUL, unpaired surrogates), each replaced by U+FFFD. */
function storable(text: string): string {
  return text.toWellFormed().replaceAll('\u0000', '\uFFFD');
}
