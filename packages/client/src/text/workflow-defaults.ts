import type { WorkflowDefaults } from '@kaygraph/contracts';

// Types only at runtime (`@kaygraph/client/text`): the dashboard's bundle and the CLI read it alike.

/** One of a workflow's defaults as `kaygraph workflows` and the dashboard's workflow page show it. */
export interface WorkflowDefaultFact {
  label: string;
  value: string;
}

/**
 * A workflow's `defaults`, each field as a labelled value: priority first, then the others in the
 * contract's order; a null reads as what the contract says it means.
 *
 * @example workflowDefaultFacts(info.defaults).at(-1) // { label: 'rate limit', value: '10 per 60s' }
 */
export function workflowDefaultFacts(defaults: WorkflowDefaults): WorkflowDefaultFact[] {
  const { rate_limit } = defaults;
  return [
    { label: 'priority', value: defaults.priority },
    { label: 'retries', value: String(defaults.max_retries) },
    { label: 'retry delay', value: `${defaults.retry_delay_seconds}s` },
    { label: 'backoff', value: defaults.retry_backoff ? 'yes' : 'no' },
    {
      label: 'timeout',
      value:
        defaults.timeout_seconds === null ? 'server default (TASK_TIMEOUT)' : `${defaults.timeout_seconds}s`,
    },
    {
      label: 'concurrency',
      value: defaults.concurrency === null ? 'no limit' : String(defaults.concurrency),
    },
    {
      label: 'per key',
      // Null: no per-key limit is declared, so a submit naming a concurrency key is refused.
      value: defaults.concurrency_per_key === null ? 'keys refused' : String(defaults.concurrency_per_key),
    },
    {
      label: 'rate limit',
      value: rate_limit === null ? 'no limit' : `${rate_limit.max} per ${rate_limit.per_seconds}s`,
    },
  ];
}
