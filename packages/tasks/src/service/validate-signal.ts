import {
  containsUnstorableText,
  DomainError,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  SignalTaskInput,
  UNSTORABLE_TEXT_MESSAGE,
} from '@kaygraph/contracts';
import type { z } from 'zod';
import type { WorkflowCatalog } from '../catalog.ts';

type Issue = { path: string; message: string };

function issuesOf(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/** The input of `tasks.signal` checked against the contract (before the task is read). */
export function parseSignalInput(raw: unknown): SignalTaskInput {
  const parsed = SignalTaskInput.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError('BAD_REQUEST', 'invalid signal', { issues: issuesOf(parsed.error, '') });
  }
  return parsed.data;
}

/**
 * A signal's payload checked against the schema the task's workflow declares for it (defaults applied),
 * through the same catalog lookup as a submit's params: an unknown signal or a payload that does not
 * match is a 400 naming the field (`payload.approved`).
 */
export function prepareSignal(
  catalog: WorkflowCatalog,
  workflowName: string,
  name: string,
  payload: unknown,
): unknown {
  const workflow = catalog.get(workflowName);
  const signals = workflow?.signals ?? {};
  const schema = Object.hasOwn(signals, name) ? signals[name] : undefined;
  if (!workflow || !schema) {
    const known = Object.keys(signals);
    const message = !workflow
      ? `workflow "${workflowName}" is not available; it takes no signals`
      : known.length === 0
        ? `workflow "${workflow.name}" takes no signals`
        : `workflow "${workflow.name}" has no signal "${name}" (it has: ${known.join(', ')})`;
    throw new DomainError('BAD_REQUEST', message, { issues: [{ path: 'name', message }] });
  }
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const issues = issuesOf(parsed.error, 'payload');
    const first = issues[0];
    const detail = first ? `: ${first.path}: ${first.message}` : '';
    throw new DomainError(
      'INVALID_PARAMS',
      `payload does not match the signal "${name}" of workflow "${workflow.name}"${detail}`,
      { issues },
    );
  }
  const problem = jsonDepthExceeds(parsed.data, MAX_JSON_DEPTH)
    ? `must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`
    : containsUnstorableText(parsed.data)
      ? UNSTORABLE_TEXT_MESSAGE
      : null;
  if (problem) {
    throw new DomainError('BAD_REQUEST', `payload ${problem}`, {
      issues: [{ path: 'payload', message: problem }],
    });
  }
  return parsed.data ?? null;
}
