import { DomainError, type Priority, SubmitTaskInput, type SubmitTaskRequest } from '@kaygraph/contracts';
import type { z } from 'zod';
import type { CatalogWorkflow, WorkflowCatalog } from '../catalog.ts';

/** A submit that passed validation, with the workflow's defaults applied. */
export interface PreparedTask {
  workflow: CatalogWorkflow;
  params: Record<string, unknown>;
  priority: Priority;
  maxRetries: number;
  retryDelaySeconds: number;
  retryBackoff: boolean;
  timeoutSeconds: number;
  runAt: Date | null;
  groupId: string | null;
  idempotencyKey: string | null;
  /** Tasks this one waits for (deduplicated); checked against the database at submit (orchestration). */
  dependsOn: string[];
}

type Issue = { path: string; message: string };

function issuesOf(error: z.ZodError, prefix: string): Issue[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
    message: issue.message,
  }));
}

/**
 * Checks a submit against the contract, the catalog and the workflow's own params schema. `index` names
 * the task in a batch (`tasks.3.params.rows`).
 */
export function prepareSubmit(
  catalog: WorkflowCatalog,
  raw: SubmitTaskRequest,
  defaultTimeoutSeconds: number,
  index?: number,
): PreparedTask {
  const at = index === undefined ? '' : `tasks.${index}`;
  const parsed = SubmitTaskInput.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError('BAD_REQUEST', 'invalid task submission', { issues: issuesOf(parsed.error, at) });
  }
  const input = parsed.data;
  const workflow = catalog.get(input.workflow);
  if (!workflow) {
    const known = catalog
      .list()
      .map((w) => w.name)
      .sort();
    const message = `unknown workflow "${input.workflow}"; known workflows: ${known.join(', ') || '(none)'}`;
    throw new DomainError('BAD_REQUEST', message, {
      issues: [{ path: [at, 'workflow'].filter(Boolean).join('.'), message }],
    });
  }
  const params = workflow.params.safeParse(input.params);
  if (!params.success) {
    const issues = issuesOf(params.error, [at, 'params'].filter(Boolean).join('.'));
    const first = issues[0];
    const detail = first ? `: ${first.path}: ${first.message}` : '';
    throw new DomainError('INVALID_PARAMS', `params do not match workflow "${workflow.name}"${detail}`, {
      issues,
    });
  }
  const defaults = workflow.defaults;
  const runAt = input.run_at ? new Date(input.run_at) : null;
  return {
    workflow,
    params: (params.data ?? {}) as Record<string, unknown>,
    priority: input.priority ?? defaults.priority,
    maxRetries: input.max_retries ?? defaults.max_retries,
    retryDelaySeconds: input.retry_delay ?? defaults.retry_delay_seconds,
    retryBackoff: defaults.retry_backoff,
    timeoutSeconds: input.timeout_seconds ?? defaults.timeout_seconds ?? defaultTimeoutSeconds,
    runAt: runAt && runAt.getTime() > Date.now() ? runAt : null,
    groupId: input.group_id ?? null,
    idempotencyKey: input.idempotency_key ?? null,
    dependsOn: [...new Set(input.depends_on ?? [])],
  };
}
