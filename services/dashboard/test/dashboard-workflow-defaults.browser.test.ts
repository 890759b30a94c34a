import type { CatalogWorkflow } from '@kaygraph/tasks';
import { expect, it } from 'vitest';
import { catalog } from './fixtures/catalog.ts';
import { useDashboardSession, WAIT } from './support/session.ts';

/** A workflow's page shows its defaults: what a submit gets unless it says otherwise. */

const session = useDashboardSession({ worker: false });

/** `instant` as a build that sets every default declares it. */
function limitedInstant(): CatalogWorkflow {
  const instant = catalog.get('instant');
  if (!instant) throw new Error('no instant workflow');
  return {
    ...instant,
    version: 'limited',
    defaults: {
      max_retries: 3,
      retry_delay_seconds: 5,
      retry_backoff: true,
      timeout_seconds: null,
      priority: 'high',
      concurrency: 4,
      concurrency_per_key: 2,
      rate_limit: { max: 10, per_seconds: 60 },
    },
  };
}

async function shownDefaults(): Promise<string[]> {
  const facts = session.page.getByTestId('workflow-defaults');
  await facts.waitFor(WAIT);
  const labels = await facts.locator('dt').allTextContents();
  const values = await facts.locator('dd').allTextContents();
  return labels.map((label, index) => `${label}: ${values[index]}`);
}

it("shows each workflow's defaults on its page, as the api lists them", async () => {
  const limited = limitedInstant();
  await session.stack.publishWorkflows({ get: () => limited, list: () => [limited] });

  await session.openDashboard('#/submit?workflow=instant');
  await session.page.locator('tr[data-version="limited"]').waitFor(WAIT);
  await expect(shownDefaults()).resolves.toEqual([
    'priority: high',
    'retries: 3',
    'retry delay: 5s',
    'backoff: yes',
    'timeout: server default (TASK_TIMEOUT)',
    'concurrency: 4',
    'per key: 2',
    'rate limit: 10 per 60s',
  ]);
  // The labels are the CLI's, shown as words: capitalised as rendered.
  const firstLabel = session.page.getByTestId('workflow-defaults').locator('dt').first();
  await expect(
    firstLabel.evaluate((dt) => getComputedStyle(dt, '::first-letter').textTransform),
  ).resolves.toBe('uppercase');

  await session.page.locator('.workflow-item', { hasText: 'instant_keyed' }).click();
  await session.page.getByRole('heading', { name: 'Submit instant_keyed' }).waitFor(WAIT);
  await expect(shownDefaults()).resolves.toEqual([
    'priority: normal',
    'retries: 0',
    'retry delay: 0s',
    'backoff: no',
    'timeout: 120s',
    'concurrency: no limit',
    'per key: 1',
    'rate limit: no limit',
  ]);
});
