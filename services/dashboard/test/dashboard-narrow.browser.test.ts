import { connect } from '@kaygraph/db';
import type { Page } from '@kaygraph/test-browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * The dashboard at a phone's width (390 px) in a real Chromium against a real api, worker and
 * database: every page reachable from the nav, the Active page's progress on screen, a long error
 * message clamped instead of crushing its row; and whole labels on the run-time chart's axis.
 */

const PHONE = { width: 390, height: 844 };

type Locator = ReturnType<Page['locator']>;

const session = useDashboardSession();

beforeAll(async () => {
  await session.page.setViewportSize(PHONE);
});

async function box(locator: Locator): Promise<{ x: number; y: number; width: number; height: number }> {
  const found = await locator.boundingBox();
  if (!found) throw new Error('element not shown');
  return found;
}

/** Whether the element is what a tap at its centre reaches (not scrolled or clipped away). */
async function reachable(locator: Locator): Promise<boolean> {
  return locator.evaluate((element: Element) => {
    const rect = element.getBoundingClientRect();
    const hit = document.elementFromPoint(rect.left + rect.width / 2, rect.top + rect.height / 2);
    return rect.left >= 0 && rect.right <= window.innerWidth && hit !== null && element.contains(hit);
  });
}

describe('the dashboard at 390 px', () => {
  it('shows every page in the nav, each reachable with a tap', async () => {
    const { page } = session;
    await session.openDashboard('#/');
    const links = page.locator('nav.nav a');
    const labels = await links.allTextContents();
    expect(labels).toEqual([
      'Active',
      'Tasks',
      'Metrics',
      'Errors',
      'Dead letters',
      'Schedules',
      'Groups',
      'Submit',
    ]);
    for (const label of labels) {
      await expect(reachable(links.filter({ hasText: label }))).resolves.toBe(true);
    }
    await links.filter({ hasText: 'Groups' }).click();
    await page.waitForURL(/#\/groups$/);
  });

  it("keeps a running task's progress on screen on the Active page", async () => {
    const { task_id } = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 200, item_ms: 300 },
    });
    await session.waitForStatus(task_id, 'running');
    const { page } = session;
    await session.openDashboard('#/');
    const row = page.locator(`tr[data-task-id="${task_id}"]`);
    await row.locator('.progress').waitFor(WAIT);
    await expect(reachable(row.locator('.task-link'))).resolves.toBe(true);
    await expect(reachable(row.locator('.progress'))).resolves.toBe(true);
    await expect(reachable(row.getByRole('button', { name: 'Cancel' }))).resolves.toBe(true);
    await session.client.tasks.cancel.mutate({ task_id });
  });

  it('clamps a long dead-letter message, keeps the task at the top of its row, and shows it all on a tap', async () => {
    const { task_id } = await session.client.tasks.submit.mutate({
      workflow: 'instant',
      params: { fail: true },
    });
    await session.waitForStatus(task_id, 'failed');
    // An error message as long as the operator's (2,380 characters); no workflow here throws one that long.
    const message = `upstream said: ${'the record did not validate; '.repeat(82)}`.slice(0, 2380);
    await using database = connect(session.stack.databaseUrl, { max: 1 });
    await database.sql`update tasks set error = jsonb_set(error, '{message}', to_jsonb(${message}::text))
      where id = ${task_id}`;
    const { page } = session;
    await session.openDashboard('#/dead-letters');
    const row = page.locator(`[data-testid="dead-letters"] tr[data-task-id="${task_id}"]`);
    await row.waitFor(WAIT);
    const id = row.locator('.task-link code');
    const rowBox = await box(row);
    // The id sits at the top of a row a few lines high, on one line (its column not squeezed).
    expect((await box(id)).y - rowBox.y).toBeLessThan(48);
    expect(rowBox.height).toBeLessThan(160);
    expect((await box(id)).height).toBeLessThan(20);
    await expect(reachable(id)).resolves.toBe(true);
    const shown = row.getByTestId('error-message');
    await expect(shown.getAttribute('title')).resolves.toBe(message);
    await shown.click();
    await expect(shown.textContent()).resolves.toContain(message);
    expect((await box(row)).height).toBeGreaterThan(rowBox.height * 2);
  });
});

describe('the run-time chart', () => {
  it('labels its y axis whole, in round minutes, for tasks of about 3 minutes', async () => {
    const { page } = session;
    await page.setViewportSize({ width: 1360, height: 900 });
    try {
      const { task_id } = await session.client.tasks.submit.mutate({ workflow: 'instant', params: {} });
      await session.waitForStatus(task_id, 'completed');
      // A 178 s run: set the start back rather than wait three minutes.
      await using database = connect(session.stack.databaseUrl, { max: 1 });
      await database.sql`update tasks set started_at = completed_at - interval '178 seconds'
        where id = ${task_id}`;
      // A fresh page: one that only changed its hash would still hold the run time the feed reported.
      await page.goto('about:blank');
      await session.openDashboard('#/metrics');
      const chart = page.locator('svg[aria-label="Run time per minute"]');
      await chart.waitFor(WAIT);
      const chartBox = await box(chart);
      // y labels sit at the left edge (text-anchor end), x labels along the bottom.
      const ticks = chart.locator('text.tick[text-anchor="end"]');
      const labels = await ticks.allTextContents();
      expect(labels).toEqual(['0', '1 min', '2 min', '3 min']);
      for (const tick of await ticks.all()) {
        expect((await box(tick)).x).toBeGreaterThanOrEqual(chartBox.x);
      }
    } finally {
      await page.setViewportSize(PHONE);
    }
  });
});
