import { WorkflowDefaults } from '@kaygraph/contracts';
import { expect, test } from 'vitest';
import { workflowDefaultFacts } from './workflow-defaults.ts';

test('each default reads as its value, a null as what it means', () => {
  const base = WorkflowDefaults.parse({
    max_retries: 3,
    retry_delay_seconds: 5,
    retry_backoff: true,
    timeout_seconds: null,
    priority: 'high',
    concurrency: null,
  });
  const text = (defaults: WorkflowDefaults) =>
    workflowDefaultFacts(defaults).map(({ label, value }) => `${label}=${value}`);
  expect(text(base)).toEqual([
    'priority=high',
    'retries=3',
    'retry delay=5s',
    'backoff=yes',
    'timeout=server default (TASK_TIMEOUT)',
    'concurrency=no limit',
    'per key=keys refused',
    'rate limit=no limit',
  ]);
  const limited = {
    ...base,
    timeout_seconds: 600,
    concurrency: 4,
    concurrency_per_key: 2,
    rate_limit: { max: 10, per_seconds: 0.5 },
  };
  expect(text(limited).slice(4)).toEqual([
    'timeout=600s',
    'concurrency=4',
    'per key=2',
    'rate limit=10 per 0.5s',
  ]);
});
