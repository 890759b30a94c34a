import { type AnyWorkflows, createClient } from '@kaygraph/client';
import type { Page } from '@kaygraph/test-browser';
import { describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';
import { startStack } from './support/stack.ts';

/**
 * The operator's pages in a real Chromium against a real api, worker and database: dead letters
 * with redrive, groups, schedules, pages of procedures a server may lack, and the API-key prompt.
 */

const session = useDashboardSession();

describe('orchestration pages', () => {
  it('lists the failed task as a dead letter and redrives it', async () => {
    const { failing, row } = await deadLetterRow({ items: 6, item_ms: 20, fail_in: 'load' });
    await expect(row.textContent()).resolves.toContain('load failed on purpose');
    await session.screenshot('dead-letters');

    await row.getByRole('button', { name: 'Redrive' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
    // The task runs again: its history shows it queued or running after the failure.
    await session.openDashboard(`#/tasks/${failing.task_id}`);
    const history = session.page.getByTestId('event-history');
    await history
      .locator(
        'tr:has(.badge-failed) ~ tr:has(.badge-queued), tr:has(.badge-failed) ~ tr:has(.badge-running)',
      )
      .first()
      .waitFor(WAIT);
  });

  it("shows how long a running task's run has lasted so far, and stops counting once it is cancelled", async () => {
    const long = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 1000, item_ms: 1000 },
    });
    await session.waitForStatus(long.task_id, 'running');
    await session.openDashboard(`#/tasks/${long.task_id}`);
    await session.page.locator('.task-header .badge-running').waitFor(WAIT);
    const runTime = session.page.getByTestId('run-time');
    await expect(runTime.textContent()).resolves.toMatch(/ so far$/);
    // The clock ticks on the page itself: the text changes without a reload.
    const first = await runTime.textContent();
    await session.page.waitForFunction(
      (shown) => document.querySelector('[data-testid="run-time"]')?.textContent !== shown,
      first,
      WAIT,
    );
    await session.client.tasks.cancel.mutate({ task_id: long.task_id });
    await session.page.locator('.task-header .badge-cancelled').waitFor(WAIT);
    await expect(runTime.textContent()).resolves.not.toMatch(/so far/);
  });

  it('runs a task scheduled for later at once with Run now, and shows it complete', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const delayed = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 2, item_ms: 1 },
      run_at: later,
    });
    await session.openDashboard(`#/tasks/${delayed.task_id}`);
    await session.page.locator('.task-header .badge-scheduled').waitFor(WAIT);
    await session.page.getByRole('button', { name: 'Run now' }).click();
    await session.page.locator('.task-header .badge-completed').waitFor(WAIT);
    await expect(session.page.getByRole('button', { name: 'Run now' }).count()).resolves.toBe(0);
  });

  it("shows a running task's run time right in a browser whose clock is three hours ahead", async () => {
    const long = await session.client.tasks.submit.mutate({
      workflow: 'pipeline',
      params: { items: 1000, item_ms: 1000 },
    });
    await session.waitForStatus(long.task_id, 'running');
    // A page of its own whose Date runs three hours ahead of the server's (a machine with a wrong clock).
    try {
      await session.withPage(async (page) => {
        await page.addInitScript((offsetMs: number) => {
          const RealDate = Date;
          class SkewedDate extends RealDate {
            constructor(...args: [] | [string | number | Date]) {
              if (args.length === 0) super(RealDate.now() + offsetMs);
              else super(args[0]);
            }
            static override now(): number {
              return RealDate.now() + offsetMs;
            }
          }
          globalThis.Date = SkewedDate as DateConstructor;
        }, 3 * 3600_000);
        await page.goto(`${session.stack.url}/dashboard/#/tasks/${long.task_id}`);
        await page.locator('.task-header .badge-running').waitFor(WAIT);
        const runTime = page.getByTestId('run-time');
        await page.waitForFunction(
          () => document.querySelector('[data-testid="run-time"]')?.textContent?.endsWith('so far'),
          undefined,
          WAIT,
        );
        // Seconds into its run, not three hours.
        await expect(runTime.textContent()).resolves.toMatch(/^(\d+ ms|\d+(\.\d)? s) so far$/);
      });
    } finally {
      await session.client.tasks.cancel.mutate({ task_id: long.task_id });
    }
  });

  it('asks before purging a dead letter, and purges it only when told', async () => {
    const { failing, row } = await deadLetterRow({ items: 2, item_ms: 1, fail_in: 'store' });
    await row.getByRole('button', { name: 'Purge' }).click();
    await expect(row.locator('.confirm-label').textContent()).resolves.toBe('Purge this dead letter?');
    await row.getByRole('button', { name: 'Keep it' }).click();
    await expect(row.getByRole('button', { name: 'Purge' }).isVisible()).resolves.toBe(true);
    await expect(session.client.trpc.deadLetters.list.query({})).resolves.toMatchObject({
      items: expect.arrayContaining([expect.objectContaining({ task_id: failing.task_id })]),
    });
    await row.getByRole('button', { name: 'Purge' }).click();
    await row.getByRole('button', { name: 'Yes, purge' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
  });

  it('follows the feed: a task that fails while the page is open appears, one redriven elsewhere leaves', async () => {
    await using own = await startStack();
    const client = createClient<AnyWorkflows>({ url: own.url });
    try {
      await session.withPage(async (page) => {
        await page.goto(`${own.url}/dashboard/#/dead-letters`);
        await page.getByText('The dead-letter queue is empty').waitFor(WAIT);
        const failing = await client.tasks.submit.mutate({
          workflow: 'pipeline',
          params: { items: 2, item_ms: 1, fail_in: 'store' },
        });
        const row = page.locator(`[data-testid="dead-letters"] tr[data-task-id="${failing.task_id}"]`);
        await row.waitFor(WAIT);
        await expect(row.textContent()).resolves.toContain('store failed on purpose');
        // Redriven, it stays queued (no worker), so it cannot fail again and come back.
        await own.stopWorker();
        await client.trpc.deadLetters.redrive.mutate({ task_id: failing.task_id });
        await row.waitFor({ state: 'detached', ...WAIT });
        await page.getByText('The dead-letter queue is empty').waitFor(WAIT);
      });
    } finally {
      client.close();
    }
  });

  it('shows a schedule created elsewhere on Refresh (no event reports schedule changes)', async () => {
    await session.openDashboard('#/schedules');
    await session.page.locator('[data-state], [data-testid="schedules"]').first().waitFor(WAIT);
    const schedule = await session.client.trpc.schedules.create.mutate({
      name: 'created elsewhere',
      cron: '30 * * * *',
      timezone: 'UTC',
      workflow: 'pipeline',
      params: { items: 3 },
    });
    await session.page.getByRole('button', { name: 'Refresh' }).click();
    await session.page
      .locator(`[data-testid="schedules"] tr[data-schedule-id="${schedule.schedule_id}"]`)
      .getByText('created elsewhere')
      .waitFor(WAIT);
    await session.client.trpc.schedules.delete.mutate({ schedule_id: schedule.schedule_id });
  });

  it('redrives every dead letter with Redrive all, over as many calls as it takes, and says how many', async () => {
    // Two per call: five dead letters take three calls (the third says none remain).
    await using small = await startStack({ limits: { maxBatchSize: 2 } });
    const client = createClient<AnyWorkflows>({ url: small.url });
    try {
      await session.withPage(async (own) => {
        const failing = await Promise.all(
          Array.from({ length: 5 }, () =>
            client.tasks.submit.mutate({
              workflow: 'pipeline',
              params: { items: 2, item_ms: 1, fail_in: 'store' },
            }),
          ),
        );
        for (const { task_id } of failing) {
          for await (const event of client.watch(task_id))
            if (event.type === 'status' && event.status === 'failed') break;
        }
        // The redriven tasks then stay queued: none fails again and comes back before Redrive all is through.
        await small.stopWorker();
        await own.goto(`${small.url}/dashboard/#/dead-letters`);
        await own.locator('[data-testid="dead-letters"] tbody tr').nth(4).waitFor(WAIT);
        await own.getByRole('button', { name: 'Redrive all' }).click();
        // Asked once more first, as Cancel is: nothing has moved yet.
        await expect(own.locator('.confirm-label').textContent()).resolves.toBe('Redrive every dead letter?');
        await expect(own.locator('[data-testid="dead-letters"] tbody tr').count()).resolves.toBe(5);
        await own.getByRole('button', { name: 'Yes, redrive all' }).click();
        const outcome = own.getByTestId('redrive-outcome');
        await outcome.waitFor(WAIT);
        await expect(outcome.textContent()).resolves.toBe('Redrove 5 dead letters.');
      });
    } finally {
      client.close();
    }
  });

  it('shows groups with their aggregate progress and schedules with their next runs', async () => {
    const group = await session.client.trpc.groups.create.mutate({
      name: 'nightly batch',
      tasks: [4, 6, 8].map((items) => ({ workflow: 'pipeline', params: { items, item_ms: 20 } })),
    });
    await session.openDashboard('#/groups');
    const groupRow = session.page.locator(`[data-testid="groups"] tr[data-group-id="${group.group_id}"]`);
    await groupRow.locator('.badge-completed').waitFor(WAIT);
    await expect(groupRow.locator('[role="progressbar"]').getAttribute('aria-valuenow')).resolves.toBe('100');
    await session.screenshot('groups');
    // The group's own page lists every task with its result.
    await groupRow.getByRole('link', { name: /nightly batch/ }).click();
    const tasks = session.page.getByTestId('group-tasks');
    await tasks.waitFor(WAIT);
    await expect(tasks.locator('tbody tr').count()).resolves.toBe(3);
    await expect(tasks.textContent()).resolves.toContain('"records":8');
    // A task's page links back to its group.
    await tasks.locator('tbody tr').first().getByRole('link').click();
    await session.page.getByRole('link', { name: group.group_id }).click();
    await session.page.waitForURL(new RegExp(`#/groups/${group.group_id}$`), WAIT);
    await session.page.getByTestId('group-tasks').waitFor(WAIT);

    const schedule = await session.client.trpc.schedules.create.mutate({
      name: 'hourly digest',
      cron: '0 * * * *',
      timezone: 'UTC',
      workflow: 'pipeline',
      params: { items: 5 },
    });
    await session.openDashboard('#/schedules');
    const scheduleRow = session.page.locator(
      `[data-testid="schedules"] tr[data-schedule-id="${schedule.schedule_id}"]`,
    );
    await scheduleRow.getByText('active').waitFor(WAIT);
    await expect(scheduleRow.textContent()).resolves.toContain('0 * * * *');
    await session.screenshot('schedules');
    await scheduleRow.getByRole('button', { name: 'Pause' }).click();
    await scheduleRow.getByText('paused').waitFor(WAIT);
    await expect(
      session.client.trpc.schedules.get.query({ schedule_id: schedule.schedule_id }),
    ).resolves.toMatchObject({
      enabled: false,
    });
  });
});

describe('pages of procedures a server may lack', () => {
  it.each(['dead-letters', 'schedules', 'groups'])(
    '%s shows its data, an empty state or "not available", never an error',
    async (name) => {
      await session.openDashboard(`#/${name}`);
      await session.page.locator(`[data-state], [data-testid="${name}"]`).first().waitFor(WAIT);
      await expect(session.page.getByRole('alert').count()).resolves.toBe(0);
    },
  );
});

describe('dashboard on a server that requires an API key', () => {
  it('asks for a key instead of showing an empty page, and says when a key is refused', async () => {
    await onLockedServer(async (own, dashboard) => {
      await own.goto(`${dashboard}#/`);
      const banner = own.getByTestId('key-required');
      await banner.waitFor(WAIT);
      await expect(banner.textContent()).resolves.toContain('This server requires an API key.');
      await banner.getByLabel('API key').fill('kg_not_a_real_key');
      await banner.getByRole('button', { name: 'Use' }).click();
      // The page starts over with the key: the server refuses it, and the banner says so.
      await own.getByText('The API key was refused.').waitFor(WAIT);
      // ... and does not keep it: the next visit asks for a key again rather than sending the refused one.
      await expect(own.evaluate(() => window.localStorage.getItem('kaygraph.apiKey'))).resolves.toBeNull();
      await own.reload();
      await banner.waitFor(WAIT);
      await expect(banner.textContent()).resolves.toContain('This server requires an API key.');
    });
  });

  it('shows "…" on the Metrics page without a key, not counts of 0 and empty charts', async () => {
    await onLockedServer(async (own, dashboard) => {
      await own.goto(`${dashboard}#/metrics`);
      await own.getByTestId('key-required').waitFor(WAIT);
      const values = await own.locator('.stat .stat-value').allTextContents();
      expect(values).toEqual(['…', '…', '…', '…', '…']);
      await expect(own.locator('svg[aria-label="Tasks finished per minute"]').count()).resolves.toBe(0);
    });
  });

  it("shows the api's 401 on a task page without a key, not an endless Loading…", async () => {
    await onLockedServer(async (own, dashboard) => {
      await own.goto(`${dashboard}#/tasks/${crypto.randomUUID()}`);
      const notice = own.locator('.notice-error');
      await notice.waitFor(WAIT);
      await expect(notice.textContent()).resolves.toMatch(/^401 UNAUTHORIZED: /);
    });
  });

  it('asks for a key even when the refusal arrives before the page has painted (a busy machine)', async () => {
    await onLockedServer(async (own, dashboard) => {
      await own.addInitScript(holdBackFrames);
      await own.goto(`${dashboard}#/`);
      await own.getByTestId('key-required').waitFor(WAIT);
    });
  });
});

/** Fails a pipeline task (where `params` says) and finds its row on the dead-letters page. */
async function deadLetterRow(params: { items: number; item_ms: number; fail_in: string }) {
  const failing = await session.client.tasks.submit.mutate({ workflow: 'pipeline', params });
  await session.waitForStatus(failing.task_id, 'failed');
  await session.openDashboard('#/dead-letters');
  const row = session.page.locator(`[data-testid="dead-letters"] tr[data-task-id="${failing.task_id}"]`);
  await row.waitFor(WAIT);
  return { failing, row };
}

/** A page of its own beside a stack that requires an API key (and runs no worker); `dashboard` is its url. */
async function onLockedServer(use: (own: Page, dashboard: string) => Promise<void>): Promise<void> {
  await using locked = await startStack({ authRequired: true, worker: false });
  await session.withPage((own) => use(own, `${locked.url}/dashboard/`));
}

/**
 * Runs in the page: animation frames, and the short timers that stand in for them, come half a second
 * late, as on a loaded machine, so the server's answers land between the first render and its effects.
 */
function holdBackFrames(): void {
  const LATE_MS = 500;
  const setTimeoutNow = window.setTimeout.bind(window);
  window.requestAnimationFrame = (callback) => setTimeoutNow(() => callback(performance.now()), LATE_MS);
  window.setTimeout = ((handler: TimerHandler, ms = 0, ...args: unknown[]) =>
    setTimeoutNow(handler, ms > 0 && ms < 100 ? LATE_MS : ms, ...args)) as typeof setTimeout;
}
