import type { WorkflowDefaults } from '@kaygraph/contracts/run-contracts';

/**
 * What every workflow gets unless it says otherwise (the spec's retries); a workflow that gives no
 * timeout runs under the service's TASK_TIMEOUT.
 */
export const GLOBAL_WORKFLOW_DEFAULTS: WorkflowDefaults = {
  max_retries: 3,
  retry_delay_seconds: 1,
  retry_backoff: true,
  timeout_seconds: null,
  priority: 'normal',
  concurrency: null,
  concurrency_per_key: null,
  rate_limit: null,
};

export function withGlobalDefaults(defaults: Partial<WorkflowDefaults> = {}): WorkflowDefaults {
  return { ...GLOBAL_WORKFLOW_DEFAULTS, ...defaults };
}
