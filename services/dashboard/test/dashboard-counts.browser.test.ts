import type { Page } from '@kaygraph/test-browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { failingCalls } from './support/failing-calls.ts';
import { useDashboardSession, WAIT } from './support/session.ts';
import { loadedText, until } from './support/waits.ts';

/**
 * More finished tasks than the dashboard loads (1,000 per status), in a real Chromium against a real
 * api, worker and database: every count the pages show is the server's, and the lists page on.
 */

const COMPLETED = 1200;
const FAILED = 1050;

const session = useDashboardSession({ limits: { maxQueueSize: 5000, maxBatchSize: 1000 } });

beforeAll(async () => {
  const { client } = session;
  const submit = async (count: number, fail: boolean) => {
    for (let done = 0; done < count; done += 1000) {
      const tasks = Array.from({ length: Math.min(1000, count - done) }, () => ({
        workflow: 'instant',
        params: { fail },
      }));
      await client.tasks.submitMany.mutate({ tasks });
    }
  };
  await submit(COMPLETED, false);
  await submit(FAILED, true);
  // One task waiting for a signal, two due in an hour.
  const review = await client.tasks.submit.mutate({ workflow: 'review', params: {} });
  const later = new Date(Date.now() + 3_600_000).toISOString();
  for (let n = 0; n < 2; n += 1) {
    await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 1 }, run_at: later });
  }
  for await (const event of client.watch(review.task_id)) if (event.type === 'waiting') break;
  // The instant tasks finish on their own; the server's counts say when all have.
  let finished = 0;
  await until(
    async () => {
      const metrics = await client.trpc.metrics.query();
      finished = metrics.tasks_completed + metrics.tasks_failed;
      return metrics.tasks_completed === COMPLETED && metrics.tasks_failed === FAILED;
    },
    () => `only ${finished} finished`,
  );
});

/** The value of a headline card once it has loaded ("…" until then). */
const stat = (page: Page, tone: string) => loadedText(page.locator(`.stat-${tone} .stat-value`));

describe('counts of more tasks than the page loads', () => {
  it("shows the server's counts on the Active page, waiting tasks apart from blocked and scheduled", async () => {
    const { page } = session;
    await session.openDashboard('#/');
    await expect(stat(page, 'completed')).resolves.toBe(String(COMPLETED));
    await expect(stat(page, 'failed')).resolves.toBe(String(FAILED));
    // Exact counts, not "≥ 0": those lists were read in full.
    await expect(stat(page, 'running')).resolves.toBe('0');
    await expect(stat(page, 'queued')).resolves.toBe('0');
    await expect(stat(page, 'waiting')).resolves.toBe('1');
    await expect(stat(page, 'blocked')).resolves.toBe('0');
    await expect(stat(page, 'scheduled')).resolves.toBe('2');

    const queue = page.getByTestId('queue-status');
    const cell = (workflow: string, column: string) =>
      queue.locator(`tr[data-workflow="${workflow}"] td[data-column="${column}"]`).textContent();
    await expect(cell('review', 'waiting')).resolves.toBe('1');
    await expect(cell('pipeline', 'scheduled')).resolves.toBe('2');
    // Workflows with nothing left to run are not queues.
    await expect(queue.locator('tr[data-workflow="instant"]').count()).resolves.toBe(0);
  });

  it("shows the server's finished counts and error rate on the Metrics page", async () => {
    const { page } = session;
    await session.openDashboard('#/metrics');
    await expect(stat(page, 'completed')).resolves.toBe(String(COMPLETED));
    await expect(stat(page, 'failed')).resolves.toBe(String(FAILED));
    // 1,050 of 2,250 (47 %); the newest 1,000 of each would say 50 %.
    const errorRate = page.locator('.stat', { has: page.getByText(/^Error rate/) }).locator('.stat-value');
    await expect(errorRate.textContent()).resolves.toBe('47 %');
    // The p95 can only come from the tasks the page loaded, and says so.
    await expect(page.getByTestId('stat-p95-duration').locator('.stat-label').textContent()).resolves.toBe(
      'p95 run time (1000 tasks loaded), newest tasks only',
    );
    await expect(page.getByTestId('stat-avg-duration').locator('.stat-label').textContent()).resolves.toBe(
      'Avg run time (1 h, all tasks)',
    );
  });

  it('loads the failures older than the page holds, not the newest again', async () => {
    const { page } = session;
    await session.openDashboard('#/errors');
    await page
      .locator('.panel h2', { hasText: `Error log · ${FAILED} failed in the last 1 h` })
      .waitFor(WAIT);
    const entries = page.locator('[data-testid="error-log"] li');
    // The page holds the newest 1,000 failures; the other 50 are a click away.
    await expect(entries.count()).resolves.toBe(1000);
    await page.getByRole('button', { name: 'Load older failures' }).click();
    await page.getByText('No older failures.').waitFor(WAIT);
    await expect(entries.count()).resolves.toBe(FAILED);
    const ids = await entries.evaluateAll((items) => items.map((item) => item.getAttribute('data-task-id')));
    expect(new Set(ids).size).toBe(FAILED);
  });

  it('pages through more dead letters than one read brings', async () => {
    const { page } = session;
    await session.openDashboard('#/dead-letters');
    const rows = page.locator('[data-testid="dead-letters"] tbody tr');
    await rows.nth(199).waitFor(WAIT);
    await expect(rows.count()).resolves.toBe(200);
    // A page that fails to load says so beside the button and keeps the rows shown; the button tries again.
    {
      await using _failing = await failingCalls(page, 'deadLetters.list');
      await page.getByRole('button', { name: 'Load more' }).click();
      await page.getByTestId('load-more-error').waitFor(WAIT);
    }
    await expect(rows.count()).resolves.toBe(200);
    await page.getByRole('button', { name: 'Load more' }).click();
    await rows.nth(399).waitFor(WAIT);
    await expect(rows.count()).resolves.toBe(400);
    await expect(page.getByTestId('load-more-error').count()).resolves.toBe(0);
  });
});
