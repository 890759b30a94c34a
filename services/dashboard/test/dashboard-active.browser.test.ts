import type { Locator, Page } from '@kaygraph/test-browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';
import { loadedText, until } from './support/waits.ts';

/**
 * The Active page with a backlog, in a real Chromium against a real api, worker and database: the tasks
 * that need a person (waiting) and the running ones are listed however many are queued, every group
 * can be reached, and "N more" is the server's count less what is listed.
 */

const WAITING = 20;
const RUNNING = 4;
const BACKLOG = 1200;
/** Submitted before the backlog (they run last) and after it (they run first). */
const LOW = 2;
const HIGH = 3;
const QUEUED = BACKLOG + LOW + HIGH;

const session = useDashboardSession({ limits: { maxQueueSize: 5000, maxBatchSize: 1000 } });
const waitingIds: string[] = [];
const highIds: string[] = [];
let blockedId = '';
let scheduledId = '';

beforeAll(async () => {
  const { client } = session;
  for (let n = 0; n < WAITING; n += 1) {
    waitingIds.push((await client.tasks.submit.mutate({ workflow: 'review', params: {} })).task_id);
  }
  await until(async () => (await client.trpc.metrics.query()).tasks_waiting === WAITING);
  // Four slow pipelines take every worker slot (concurrency 4): what follows stays queued.
  const running: string[] = [];
  for (let n = 0; n < RUNNING; n += 1) {
    const slow = { workflow: 'pipeline', params: { items: 1000, item_ms: 5000 }, timeout_seconds: 3600 };
    running.push((await client.tasks.submit.mutate(slow)).task_id);
  }
  await until(async () => (await client.trpc.metrics.query()).tasks_running === RUNNING);
  for (let n = 0; n < LOW; n += 1) {
    await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 1 }, priority: 'low' });
  }
  for (let done = 0; done < BACKLOG; done += 1000) {
    const tasks = Array.from({ length: Math.min(1000, BACKLOG - done) }, () => ({
      workflow: 'pipeline',
      params: { items: 1 },
    }));
    await client.tasks.submitMany.mutate({ tasks });
  }
  for (let n = 0; n < HIGH; n += 1) {
    const urgent = { workflow: 'pipeline', params: { items: 1 }, priority: 'high' as const };
    highIds.push((await client.tasks.submit.mutate(urgent)).task_id);
  }
  const blocked = { workflow: 'pipeline', params: { items: 1 }, depends_on: [running[0] ?? ''] };
  blockedId = (await client.tasks.submit.mutate(blocked)).task_id;
  const later = new Date(Date.now() + 3_600_000).toISOString();
  scheduledId = (
    await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 1 }, run_at: later })
  ).task_id;
});

/** The task ids of a table's rows, in the order shown. */
function rowIds(table: Locator): Promise<string[]> {
  return table
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task-id') ?? ''));
}

/** The first `limit` queued tasks in the order the api says they will run. */
async function runOrder(limit: number): Promise<string[]> {
  const page = await session.client.tasks.list.query({ status: 'queued', order: 'next_to_run', limit });
  return page.items.map((task) => task.task_id);
}

const stat = (page: Page, tone: string) => loadedText(page.locator(`.stat-${tone} .stat-value`));

describe('the Active page with a backlog', () => {
  it('lists the waiting, running, blocked and scheduled tasks above the queue, with true "more" counts', async () => {
    const { page } = session;
    await session.openDashboard('#/');
    await expect(stat(page, 'queued')).resolves.toBe(String(QUEUED));
    await expect(stat(page, 'waiting')).resolves.toBe(String(WAITING));
    const list = page.getByTestId('active-tasks');
    await list.first().waitFor(WAIT);
    // Every task waiting for a person is on the list, whatever the backlog.
    for (const id of waitingIds) await list.locator(`tr[data-task-id="${id}"]`).first().waitFor(WAIT);
    await expect(page.locator('tr[data-task-id] .badge-running').count()).resolves.toBe(RUNNING);
    await expect(page.locator(`tr[data-task-id="${blockedId}"]`).count()).resolves.toBe(1);
    await expect(page.locator('tr[data-task-id] .badge-scheduled').count()).resolves.toBe(1);
    // A scheduled task says when it runs (an hour from now), not that it has not started.
    const scheduledRow = page.locator('tr[data-task-id]', { has: page.locator('.badge-scheduled') });
    await expect(scheduledRow.getByTestId('started').textContent()).resolves.toMatch(/^runs in (59 min|1 h)/);
    // The queue is summarised: its count is the server's (the page itself holds only 1,000 of them).
    const queued = page.getByTestId('active-section-queued');
    const listed = await queued.locator('tbody tr').count();
    expect(listed).toBeLessThan(100);
    await expect(queued.getByTestId('more-rows').textContent()).resolves.toContain(
      `${QUEUED - listed} more queued`,
    );
    // In the order they will run: the urgent ones submitted last come first, as the api lists them.
    const shown = await rowIds(queued);
    expect(shown.slice(0, HIGH)).toEqual(highIds);
    expect(shown).toEqual(await runOrder(listed));
    await session.screenshot('active-backlog');

    await queued.getByRole('button', { name: /Show more/ }).click();
    // The next rows are read from the api in run order.
    await expect.poll(() => queued.locator('tbody tr').count(), WAIT).toBeGreaterThan(listed);
    const more = await queued.locator('tbody tr').count();
    await expect(queued.getByTestId('more-rows').textContent()).resolves.toContain(
      `${QUEUED - more} more queued`,
    );
    await expect(rowIds(queued)).resolves.toEqual(await runOrder(more));
  });

  it('lists the queue in run order on the Tasks page too, and cancels all of it after asking', async () => {
    const { page, client } = session;
    await session.openDashboard('#/tasks?status=queued&workflow=pipeline');
    const list = page.getByTestId('task-list');
    await expect.poll(() => list.locator('tbody tr').count(), WAIT).toBe(50);
    const shown = await rowIds(list);
    expect(shown.slice(0, HIGH)).toEqual(highIds);
    expect(shown).toEqual(await runOrder(50));
    await page.getByRole('link', { name: 'Later →' }).waitFor(WAIT);

    await page.getByRole('button', { name: 'Cancel all queued' }).click();
    await page.getByText('Cancel every queued task of pipeline?').waitFor(WAIT);
    await page.getByRole('button', { name: 'Yes, cancel all' }).click();
    // MAX_BATCH_SIZE is 1,000 here: two calls cancel them, a third finds none left.
    await expect(page.getByTestId('bulk-outcome').textContent(WAIT)).resolves.toBe(
      `Cancelled ${QUEUED} tasks.`,
    );
    await page.getByText('No tasks match.').waitFor(WAIT);
    // Only the queue: what runs, waits, is blocked or scheduled stays.
    const metrics = await client.trpc.metrics.query();
    expect(metrics).toMatchObject({ queue_depth: 0, tasks_running: RUNNING, tasks_waiting: WAITING });
    for (const id of [blockedId, scheduledId]) {
      expect((await client.tasks.get.query({ task_id: id })).status).not.toBe('cancelled');
    }
    const [first] = highIds;
    expect((await client.tasks.get.query({ task_id: first ?? '' })).error?.code).toBe('CANCELLED');
  });
});
