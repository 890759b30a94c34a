import type { Page } from '@kaygraph/test-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSession, type Session, WAIT } from './support/session.ts';

/**
 * The Active page with a backlog, in a real Chromium against a real api, worker and database: the tasks
 * that need a person (waiting) and the running ones are listed however many are queued, every group
 * can be reached, and "N more" is the server's count less what is listed.
 */

const WAITING = 20;
const RUNNING = 4;
const QUEUED = 1200;

let session: Session;
const waitingIds: string[] = [];
let blockedId = '';

beforeAll(async () => {
  session = await openSession({ limits: { maxQueueSize: 5000, maxBatchSize: 1000 } });
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
  for (let done = 0; done < QUEUED; done += 1000) {
    const tasks = Array.from({ length: Math.min(1000, QUEUED - done) }, () => ({
      workflow: 'pipeline',
      params: { items: 1 },
    }));
    await client.tasks.submitMany.mutate({ tasks });
  }
  const blocked = { workflow: 'pipeline', params: { items: 1 }, depends_on: [running[0] ?? ''] };
  blockedId = (await client.tasks.submit.mutate(blocked)).task_id;
  const later = new Date(Date.now() + 3_600_000).toISOString();
  await client.tasks.submit.mutate({ workflow: 'pipeline', params: { items: 1 }, run_at: later });
});

afterEach(() => {
  expect(session.pageErrors).toEqual([]);
});

afterAll(async () => {
  await session?.close();
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT.timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function stat(page: Page, tone: string): Promise<string | null> {
  const value = page.locator(`.stat-${tone} .stat-value`);
  await value.filter({ hasNotText: '…' }).waitFor(WAIT);
  return value.textContent();
}

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
    await session.screenshot('active-backlog');

    await queued.getByRole('button', { name: /Show more/ }).click();
    const more = await queued.locator('tbody tr').count();
    expect(more).toBeGreaterThan(listed);
    await expect(queued.getByTestId('more-rows').textContent()).resolves.toContain(
      `${QUEUED - more} more queued`,
    );
  });
});
