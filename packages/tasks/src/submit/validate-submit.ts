import {
  DomainError,
  type InputIssue,
  issuesInLine,
  type Priority,
  SubmitTaskInput,
  type SubmitTaskRequest,
} from '@kaygraph/contracts/run-contracts';
import type { Executor } from '../db.ts';
import type { RegisteredWorkflow } from '../registry/registered-workflow.ts';
import type { WorkflowRegistry } from '../registry/workflow-registry.ts';

/** A submit that passed validation, with the workflow's defaults applied. */
export interface PreparedTask {
  /** The registered version the params were validated against: the task's version and queue. */
  workflow: RegisteredWorkflow;
  params: Record<string, unknown>;
  priority: Priority;
  maxRetries: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  timeoutSeconds: number;
  runAt: Date | null;
  groupId: string | null;
  idempotencyKey: string | null;
  /** The key of the workflow's per-key running limit; null: none. */
  concurrencyKey: string | null;
  /** Tasks this one waits for (deduplicated); checked against the database at submit (orchestration). */
  dependsOn: string[];
}

/** A registered version to submit a workflow's tasks to instead of its current one. */
export interface PinnedVersion {
  /** The name the version is registered under (the submits may use an alias). */
  name: string;
  version: string;
}

/**
 * Checks submits against the contract, then against the registry: each workflow must have been registered
 * by a worker, and its params must match the JSON Schema of its current version (defaults applied), or of
 * the version `pinned` names for it when that version is registered. In a batch (more than one input),
 * issues name the task: `tasks.3.params.rows`. `db`: the caller's transaction.
 */
export async function prepareSubmits(
  registry: WorkflowRegistry,
  raws: readonly SubmitTaskRequest[],
  defaultTimeoutSeconds: number,
  db?: Executor,
  pinned: ReadonlyMap<string, PinnedVersion> = new Map(),
): Promise<PreparedTask[]> {
  const atOf = (index: number) => (raws.length > 1 ? `tasks.${index}` : '');
  const fieldOf = (index: number, field: string) => (raws.length > 1 ? `tasks.${index}.${field}` : field);
  const inputs = raws.map((raw, index) => {
    const parsed = SubmitTaskInput.safeParse(raw);
    if (!parsed.success) {
      throw DomainError.invalidInput('invalid task submission', parsed.error, atOf(index));
    }
    return parsed.data;
  });
  const workflows = await registry.resolve(
    inputs.map((input) => input.workflow),
    db,
  );
  for (const [asked, { name, version }] of pinned) {
    const registered = await registry.version(name, version, db);
    if (registered) workflows.set(asked, registered);
  }
  const unknown = inputs.findIndex((input) => !workflows.has(input.workflow));
  if (unknown >= 0) {
    const name = inputs[unknown]?.workflow ?? '';
    const known = await registry.names(db);
    const message = `no worker has registered workflow "${name}"; registered workflows: ${known.join(', ') || '(none)'}`;
    throw new DomainError('BAD_REQUEST', message, {
      issues: [{ path: fieldOf(unknown, 'workflow'), message }],
    });
  }
  return inputs.map((input, index): PreparedTask => {
    const workflow = workflows.get(input.workflow) as RegisteredWorkflow;
    const params = workflow.checkParams(input.params, fieldOf(index, 'params'));
    if (!params.ok) {
      throw new DomainError('INVALID_PARAMS', paramsMismatch(workflow.name, params.issues), {
        issues: params.issues,
      });
    }
    const defaults = workflow.defaults;
    if (input.concurrency_key !== undefined) assertKeyLimited(workflow, fieldOf(index, 'concurrency_key'));
    const runAt = startTimeOf(input, fieldOf(index, 'delay_seconds'));
    return {
      workflow,
      params: params.params,
      priority: input.priority ?? defaults.priority,
      maxRetries: input.max_retries ?? defaults.max_retries,
      retryDelaySeconds: input.retry_delay ?? defaults.retry_delay_seconds,
      retryBackoff: defaults.retry_backoff,
      timeoutSeconds: input.timeout_seconds ?? defaults.timeout_seconds ?? defaultTimeoutSeconds,
      runAt: runAt && runAt.getTime() > Date.now() ? runAt : null,
      groupId: input.group_id ?? null,
      idempotencyKey: input.idempotency_key ?? null,
      concurrencyKey: input.concurrency_key ?? null,
      dependsOn: [...new Set(input.depends_on ?? [])],
    };
  });
}

/**
 * When the task may start: `run_at`, or `delay_seconds` from now (the server's clock), never both (a 400
 * naming `delay_seconds`: two start times for one task, one would be silently ignored).
 */
function startTimeOf(input: SubmitTaskRequest, path: string): Date | null {
  if (input.delay_seconds === undefined) return input.run_at ? new Date(input.run_at) : null;
  if (input.run_at !== undefined) {
    const message = 'send run_at (a time) or delay_seconds (seconds from now), not both';
    throw new DomainError('BAD_REQUEST', message, { issues: [{ path, message }] });
  }
  return new Date(Date.now() + input.delay_seconds * 1000);
}

/**
 * A key counts only against a per-key limit, which the workflow's current version declares (the limit is
 * enforced where its workers fetch): a key for a workflow without one would limit nothing, silently.
 */
export function assertKeyLimited(workflow: RegisteredWorkflow, path: string): void {
  if ((workflow.defaults.concurrency_per_key ?? null) !== null) return;
  const message = `workflow "${workflow.name}" (version ${workflow.version}) declares no concurrency_per_key, so it takes no concurrency_key`;
  throw new DomainError('BAD_REQUEST', message, { issues: [{ path, message }] });
}

/** What a submit, and a run whose params a refinement refuses, say of params that do not fit. */
export function paramsMismatch(workflowName: string, issues: readonly InputIssue[]): string {
  return `params do not match workflow "${workflowName}"${issues.length > 0 ? `: ${issuesInLine(issues)}` : ''}`;
}
