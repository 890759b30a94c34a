import {
  containsUnstorableJson,
  DomainError,
  type InputIssue,
  issuesInLine,
  jsonDepthExceeds,
  MAX_JSON_DEPTH,
  SignalTaskInput,
  UNSTORABLE_JSON_MESSAGE,
} from '@kaygraph/contracts/run-contracts';
import type { RegisteredWorkflow } from '../registry/registered-workflow.ts';

/** The input of `tasks.signal` checked against the contract (before the task is read). */
export function parseSignalInput(raw: unknown): SignalTaskInput {
  const parsed = SignalTaskInput.safeParse(raw);
  if (!parsed.success) {
    throw DomainError.invalidInput('invalid signal', parsed.error);
  }
  return parsed.data;
}

/**
 * A signal's payload checked against the schema the task's workflow version registered for it (defaults
 * applied), as a submit's params are: an unknown signal or a payload that does not match is a 400 naming
 * the field (`payload.approved`).
 */
export function prepareSignal(
  workflow: RegisteredWorkflow | undefined,
  workflowName: string,
  name: string,
  payload: unknown,
): unknown {
  if (!workflow) {
    const message = `workflow "${workflowName}" is not registered by any worker; it takes no signals`;
    throw new DomainError('BAD_REQUEST', message, { issues: [{ path: 'name', message }] });
  }
  const checked = workflow.checkSignal(name, payload);
  if (!checked.ok && checked.reason === 'unknown_signal') {
    throw new DomainError('BAD_REQUEST', checked.message, {
      issues: [{ path: 'name', message: checked.message }],
    });
  }
  if (!checked.ok) {
    const issues = checked.issues.map((issue) => ({
      path: ['payload', issue.path].filter(Boolean).join('.'),
      message: issue.message,
    }));
    throw new DomainError('INVALID_PARAMS', signalMismatch(workflow.name, name, issues), { issues });
  }
  const problem = jsonDepthExceeds(checked.payload, MAX_JSON_DEPTH)
    ? `must not nest objects and arrays deeper than ${MAX_JSON_DEPTH} levels`
    : containsUnstorableJson(checked.payload)
      ? UNSTORABLE_JSON_MESSAGE
      : null;
  if (problem) {
    throw new DomainError('BAD_REQUEST', `payload ${problem}`, {
      issues: [{ path: 'payload', message: problem }],
    });
  }
  return checked.payload ?? null;
}

/** How a payload the signal's schema refuses is said: by the api (JSON Schema) and the worker (zod). */
export function signalMismatch(workflowName: string, name: string, issues: readonly InputIssue[]): string {
  const detail = issues.length > 0 ? `: ${issuesInLine(issues)}` : '';
  return `payload does not match the signal "${name}" of workflow "${workflowName}"${detail}`;
}
