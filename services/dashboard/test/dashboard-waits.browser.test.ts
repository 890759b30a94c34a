import type { Page, Route } from '@kaygraph/test-browser';
import { beforeAll, describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * A task that waits for a signal, in a real Chromium against a real api, worker and database: the
 * wait with its deadline, the form generated from the signal's schema, and the api's 400 and 409.
 */

const session = useDashboardSession();
let feed: FeedValve;

beforeAll(async () => {
  feed = await feedValve(session.page);
});

/** Submits a `review` task and returns once it waits for its (n-th) approval. */
async function waitingReview(): Promise<string> {
  const { task_id } = await session.client.tasks.submit.mutate({ workflow: 'review', params: {} });
  await waitCount(task_id, 1);
  return task_id;
}

/** Follows the task's own stream until it has begun to wait `n` times. */
async function waitCount(taskId: string, n: number): Promise<void> {
  let seen = 0;
  for await (const event of session.client.watch(taskId)) {
    if (event.type === 'waiting' && ++seen === n) return;
  }
  throw new Error(`task ${taskId} ended after ${seen} waits`);
}

interface FeedValve {
  hold(): void;
  release(): void;
}

/**
 * Holds the api's WebSocket messages (the live feed) to the page while told: a signal's answer then
 * reaches the page before the news of the task's next wait, as when the worker is slower than the api.
 */
async function feedValve(page: Page): Promise<FeedValve> {
  let held: (() => void)[] | null = null;
  await page.routeWebSocket(
    (url) => url.pathname === '/trpc',
    (socket) => {
      const server = socket.connectToServer();
      server.onMessage((message) => {
        if (held) held.push(() => socket.send(message));
        else socket.send(message);
      });
    },
  );
  return {
    hold() {
      held = [];
    },
    release() {
      const queued = held ?? [];
      held = null;
      for (const send of queued) send();
    },
  };
}

/**
 * Records every text the signal's outcome notice shows, however briefly: once the task asks again, the
 * notice (which answered the previous wait) goes, and that can be within a few milliseconds.
 */
async function recordOutcomes(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const seen: string[] = [];
    Object.assign(window, { signalOutcomes: seen });
    new MutationObserver(() => {
      const text = document.querySelector('[data-testid="signal-outcome"]')?.textContent;
      if (text && seen.at(-1) !== text) seen.push(text);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  return () => page.evaluate(() => (window as unknown as { signalOutcomes: string[] }).signalOutcomes);
}

async function openTask(page: Page, taskId: string): Promise<void> {
  await page.goto(`${session.stack.url}/dashboard/#/tasks/${taskId}`);
  await page.locator('[data-testid="connection"].connection-live').waitFor(WAIT);
  await page.getByTestId('signal-form').waitFor(WAIT);
}

describe('a task waiting for a signal', () => {
  it('shows the signal and its deadline with a form from its schema; Reject, then Approve', async () => {
    const taskId = await waitingReview();
    const { page } = session;
    await openTask(page, taskId);
    const task = await session.client.tasks.get.query({ task_id: taskId });
    expect(task.wait).toMatchObject({ kind: 'signal', signal: 'approval' });
    const deadline = task.wait?.kind === 'signal' ? task.wait.deadline : null;
    const panel = page.locator('.panel', { has: page.getByTestId('wait') });
    await expect(panel.locator('h2').textContent()).resolves.toBe('Waiting for the signal "approval"');
    await expect(page.getByTestId('wait-deadline').textContent()).resolves.toContain(
      new Date(deadline ?? '').toISOString().replace('T', ' ').slice(0, 19),
    );
    // approved (a required boolean) is the buttons; the optional note is a field
    await expect(page.getByRole('button', { name: 'Approve' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('button', { name: 'Reject' }).isVisible()).resolves.toBe(true);
    await expect(page.locator('input[name="approved"]').count()).resolves.toBe(0);
    await page.getByLabel(/Note/).fill('needs a summary');
    await session.screenshot('waiting');

    const outcomes = await recordOutcomes(page);
    feed.hold();
    await page.getByRole('button', { name: 'Reject' }).click();
    await expect.poll(outcomes, WAIT).toEqual([expect.stringContaining('received: the task goes on')]);
    feed.release();
    // The workflow asks again: a second wait, with a fresh form, and without the answer to the first.
    await waitCount(taskId, 2);
    await page.getByTestId('signal-outcome').waitFor({ state: 'detached', ...WAIT });
    await expect(page.getByLabel(/Note/).inputValue()).resolves.toBe('');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.task-header .badge-completed').waitFor(WAIT);
    await page.getByTestId('signal-form').waitFor({ state: 'detached', ...WAIT });
    const result = await session.client.tasks.result.query({ task_id: taskId });
    expect(result).toMatchObject({
      status: 'completed',
      result: {
        outcome: 'published',
        reviews: [{ approved: false, note: 'needs a summary' }, { approved: true }],
      },
    });
  });

  it('shows the 400 at the field that does not fit, and the task keeps waiting', async () => {
    const taskId = await waitingReview();
    const { page } = session;
    await openTask(page, taskId);
    await page.getByLabel(/Note/).fill('x'.repeat(2001));
    await page.getByRole('button', { name: 'Approve' }).click();
    const alert = page.getByTestId('signal-outcome');
    await alert.waitFor(WAIT);
    await expect(alert.textContent()).resolves.toMatch(/^400 /);
    await expect(alert.getAttribute('role')).resolves.toBe('alert');
    await expect(page.locator('.field-invalid .field-error').textContent()).resolves.toMatch(/2000/);
    await expect(session.client.tasks.get.query({ task_id: taskId })).resolves.toMatchObject({
      status: 'waiting',
    });
    await session.client.tasks.cancel.mutate({ task_id: taskId });
  });

  it('answers the second of two reviewers approving at once with 409', async () => {
    const taskId = await waitingReview();
    // Each signal is held in its browser until both are sent: a page that heard of the other's signal
    // first would have no form left to click.
    let sent = 0;
    let releaseBoth = () => {};
    const bothSent = new Promise<void>((resolve) => {
      releaseBoth = resolve;
    });
    const holdSignal = async (route: Route) => {
      sent += 1;
      if (sent === 2) releaseBoth();
      await bothSent;
      await route.continue();
    };
    // tRPC may batch the call with others: `/trpc/tasks.get,tasks.signal?batch=1`.
    const signalCalls = (url: URL) =>
      url.pathname.startsWith('/trpc/') && url.pathname.includes('tasks.signal');
    try {
      await session.withPage(async (other) => {
        await openTask(session.page, taskId);
        await openTask(other, taskId);
        await session.page.route(signalCalls, holdSignal);
        await other.route(signalCalls, holdSignal);
        for (const page of [session.page, other]) {
          await page.getByTestId('signal-form').locator('.button-primary').click();
        }
        const outcomes = await Promise.all(
          [session.page, other].map(async (page) => {
            const notice = page.getByTestId('signal-outcome');
            await notice.waitFor(WAIT);
            return notice.textContent();
          }),
        );
        expect(outcomes.filter((text) => text?.includes('received: the task goes on'))).toHaveLength(1);
        const conflict = outcomes.find((text) => text?.startsWith('409 CONFLICT'));
        expect(conflict).toContain('no longer waiting for this signal');
        await session.page.locator('.task-header .badge-completed').waitFor(WAIT);
      });
    } finally {
      await session.page.unroute(signalCalls, holdSignal);
    }
  });

  it('a Reject sent twice from one form is taken once; the next draft still waits for its reviewer', async () => {
    const taskId = await waitingReview();
    const { page } = session;
    await openTask(page, taskId);
    // The form's request reaches the api twice (a resend of the same form): the page gets the second answer.
    const signalCalls = (url: URL) =>
      url.pathname.startsWith('/trpc/') && url.pathname.includes('tasks.signal');
    const sendTwice = async (route: Route) => {
      await route.fetch();
      await route.fulfill({ response: await route.fetch() });
    };
    await page.route(signalCalls, sendTwice);
    const outcomes = await recordOutcomes(page);
    feed.hold();
    try {
      await page.getByRole('button', { name: 'Reject' }).click();
      await expect
        .poll(outcomes, WAIT)
        .toEqual([expect.stringContaining('already sent from this form, received: the task goes on')]);
    } finally {
      feed.release();
      await page.unroute(signalCalls, sendTwice);
    }
    await waitCount(taskId, 2);
    await expect(session.client.tasks.get.query({ task_id: taskId })).resolves.toMatchObject({
      status: 'waiting',
      wait: { kind: 'signal', signal: 'approval' },
    });
    const received: string[] = [];
    for await (const event of session.client.watch(taskId)) {
      if (event.type === 'signal_received') received.push(event.taken);
      if (event.type === 'waiting' && received.length > 0) break;
    }
    expect(received).toEqual(['resumed']);
    await session.client.tasks.cancel.mutate({ task_id: taskId });
  });

  it('shows a parent waiting for its child tasks, counting them as they finish', async () => {
    const { task_id } = await session.client.tasks.submit.mutate({
      workflow: 'fanout',
      params: { children: 2 },
    });
    await waitCount(task_id, 1);
    const { page } = session;
    await page.goto(`${session.stack.url}/dashboard/#/tasks/${task_id}`);
    const finished = page.getByTestId('wait-children');
    await finished.waitFor(WAIT);
    await expect(finished.textContent()).resolves.toBe('0 of 2');
    const parent = await session.client.tasks.get.query({ task_id });
    const children = parent.wait?.kind === 'children' ? parent.wait.child_task_ids : [];
    expect(children).toHaveLength(2);
    // Each child is linked (a locator waits for it: the page may be re-rendering on a live event).
    for (const child of children) await page.locator(`a[href$="${child}"]`).waitFor(WAIT);

    const [first, second] = children;
    if (!first || !second) throw new Error('expected two children');
    await session.client.signal(first, 'approval', { approved: true });
    await finished.filter({ hasText: /^1 of 2$/ }).waitFor(WAIT);
    await session.client.signal(second, 'approval', { approved: true });
    await page.locator('.task-header .badge-completed').waitFor(WAIT);
    await page.getByTestId('wait').waitFor({ state: 'detached', ...WAIT });
  });

  it('shows a sleeping task and when it wakes', async () => {
    const { task_id } = await session.client.tasks.submit.mutate({
      workflow: 'nap',
      params: { seconds: 3600 },
    });
    await waitCount(task_id, 1);
    const task = await session.client.tasks.get.query({ task_id });
    const until = task.wait?.kind === 'sleep' ? task.wait.until : '';
    await session.page.goto(`${session.stack.url}/dashboard/#/tasks/${task_id}`);
    const shown = session.page.getByTestId('wait-until');
    await shown.waitFor(WAIT);
    await expect(shown.textContent()).resolves.toContain(
      `${new Date(until).toISOString().replace('T', ' ').slice(0, 19)} (in `,
    );
    await expect(session.page.getByTestId('signal-form').count()).resolves.toBe(0);
    await session.client.tasks.cancel.mutate({ task_id });
    await session.page.locator('.task-header .badge-cancelled').waitFor(WAIT);
  });
});
