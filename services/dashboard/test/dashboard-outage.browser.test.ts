import { expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * A database outage as the operator sees it, in a real Chromium against a real api and worker whose
 * connections to PostgreSQL go through a TCP door the test shuts and opens.
 */

// No worker: the task stays queued, so only the outage changes what the page shows.
const session = useDashboardSession({ databaseDoor: true, worker: false });

it('says the api cannot reach its database while it cannot, then is live again and drops the stale error', async () => {
  const { page, stack } = session;
  const queued = await session.client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 2 } });
  await session.openDashboard('#/');
  const row = page.locator(`tr[data-task-id="${queued.task_id}"]`);
  await row.waitFor(WAIT);
  const connection = page.getByTestId('connection');

  stack.database.shut();
  await page.locator('[data-testid="connection"].connection-degraded').waitFor(WAIT);
  await expect(connection.textContent()).resolves.toBe('database unreachable');
  await expect(connection.getAttribute('title')).resolves.toBe('the api cannot reach its database');
  // An action meanwhile says why it failed, beside its button.
  await row.getByRole('button', { name: 'Cancel' }).click();
  await row.getByRole('button', { name: 'Yes, cancel' }).click();
  const actionError = row.locator('.inline-error');
  await actionError.waitFor(WAIT);
  await expect(actionError.textContent()).resolves.toContain('database');

  stack.database.open();
  await page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
  await expect(connection.textContent()).resolves.toBe('live');
  // Once the database is back that error is no longer true, so it is gone.
  await actionError.waitFor({ state: 'detached', ...WAIT });
  await expect(row.getByRole('button', { name: 'Cancel' }).isVisible()).resolves.toBe(true);
});
