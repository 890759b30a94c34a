import { WorkflowDefaults } from '@kaygraph/contracts/run-contracts';
import { withGlobalDefaults } from './defaults.ts';

/** What `defineWorkflow` reads from its config; anything else would be ignored without a word. */
const CONFIG_KEYS = new Set([
  'name',
  'description',
  'aliases',
  'version',
  'params',
  'result',
  'signals',
  'defaults',
  'inline',
  'replacesBuiltin',
  'graph',
]);

const DEFAULT_KEYS = new Set(Object.keys(WorkflowDefaults.shape));

/** Names other task systems (and the submit body) give to a default, and the one meant here. */
const DEFAULT_ALIASES: Readonly<Record<string, string>> = {
  retry_delay: 'retry_delay_seconds',
  retryDelay: 'retry_delay_seconds',
  timeout: 'timeout_seconds',
  timeoutSeconds: 'timeout_seconds',
  maxDuration: 'timeout_seconds',
  retries: 'max_retries',
  maxRetries: 'max_retries',
  max_attempts: 'max_retries',
  maxAttempts: 'max_retries',
  backoff: 'retry_backoff',
  retryBackoff: 'retry_backoff',
  concurrencyLimit: 'concurrency',
  concurrencyPerKey: 'concurrency_per_key',
  concurrency_key: 'concurrency_per_key',
  rateLimit: 'rate_limit',
  limiter: 'rate_limit',
  rate_limits: 'rate_limit',
};

/**
 * Refuses a key `defineWorkflow` does not read, at the top of its config or in `defaults`, naming it
 * (and the intended key where a likely one exists). A worker runs the module with its types stripped, so
 * a misspelt `retry_delay` would otherwise leave every task on the global defaults unseen.
 */
export function assertKnownConfigKeys(name: string, config: object): void {
  for (const key of Object.keys(config)) {
    if (CONFIG_KEYS.has(key)) continue;
    const meant = DEFAULT_KEYS.has(key) ? key : DEFAULT_ALIASES[key];
    const hint = meant ? `: put it in defaults, as ${meant}` : '';
    throw new TypeError(`workflow "${name}": defineWorkflow takes no "${key}"${hint}`);
  }
  const defaults: object = (config as { defaults?: object }).defaults ?? {};
  for (const key of Object.keys(defaults)) {
    if (DEFAULT_KEYS.has(key)) continue;
    const meant = DEFAULT_ALIASES[key];
    const hint = meant ? `: did you mean ${meant}?` : '';
    throw new TypeError(
      `workflow "${name}": defaults has no "${key}"${hint} (it has: ${[...DEFAULT_KEYS].join(', ')})`,
    );
  }
}

/** The workflow's defaults over the global ones; a bad value is a TypeError naming the workflow and the key. */
export function parseWorkflowDefaults(
  name: string,
  defaults: Partial<WorkflowDefaults> | undefined,
): WorkflowDefaults {
  const parsed = WorkflowDefaults.safeParse(withGlobalDefaults(defaults));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new TypeError(`workflow "${name}": defaults.${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
}
