import type { WorkflowDefaults } from '@kaygraph/contracts';

/** What every workflow gets unless it says otherwise (the spec's retry and timeout figures). */
export const GLOBAL_WORKFLOW_DEFAULTS: WorkflowDefaults = {
  max_retries: 3,
  retry_delay_seconds: 1,
  retry_backoff: true,
  timeout_seconds: 3600,
  priority: 'normal',
  concurrency: null,
};

export function withGlobalDefaults(defaults: Partial<WorkflowDefaults> = {}): WorkflowDefaults {
  return { ...GLOBAL_WORKFLOW_DEFAULTS, ...defaults };
}
