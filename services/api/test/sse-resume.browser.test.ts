import { SSE_EVENT_NAMES, type SubmitTaskOutput, type TaskEvent } from '@kaygraph/contracts';
import { launchChromium, type Page } from '@kaygraph/test-browser';
import { expect, test } from 'vitest';
import { startTestServer } from './harness.ts';
import { postJson } from './http-helpers.ts';

/** What the page's EventSource saw: each event's name and id, its opens, its state. */
interface Followed {
  events: { event: string; id: string }[];
  opens: number;
  readyState: number;
}

/** What the page keeps on its global object (the api's tests are typed without the DOM lib). */
interface PageGlobals {
  followed: Followed;
  source: EventSource;
}

/** Opens a browser's own EventSource on the task's stream, listening to every event name the stream sends. */
async function follow(page: Page, taskId: string): Promise<void> {
  await page.evaluate(
    ({ path, names }) => {
      const followed: Followed = { events: [], opens: 0, readyState: 0 };
      const source = new EventSource(path);
      const state = () => {
        followed.readyState = source.readyState;
      };
      source.addEventListener('open', () => {
        followed.opens += 1;
        state();
      });
      source.addEventListener('error', state);
      for (const name of names) {
        source.addEventListener(name, (message) => {
          followed.events.push({ event: name, id: (message as MessageEvent).lastEventId });
        });
      }
      Object.assign(globalThis, { followed, source } satisfies PageGlobals);
    },
    { path: `/tasks/${taskId}/stream`, names: [...SSE_EVENT_NAMES] },
  );
}

/** Waits until the page's EventSource has seen what `condition` asks (checked in the page). */
async function until(page: Page, condition: string): Promise<void> {
  await page.waitForFunction(condition, undefined, { polling: 20, timeout: 60_000 });
}

test("a browser's EventSource follows a task across an api restart and a cut connection: every event once, then done, then it stops", async () => {
  await using server = await startTestServer();
  const submitted = await postJson(`${server.url}/tasks`, {
    workflow: 'steps',
    params: { steps: 40, delay_ms: 150 },
  });
  const taskId = (submitted.body as SubmitTaskOutput).task_id;
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}/health`);
    await follow(page, taskId);
    const progressSeen = (count: number) =>
      `window.followed.events.filter((e) => e.event === 'progress').length >= ${count}`;

    await until(page, progressSeen(3));
    await server.restart();
    await until(page, `window.followed.opens >= 2 && ${progressSeen(8)}`);
    // A cut, as a network failure or a crash makes it: no goodbye, the connections just end.
    server.server.server.closeAllConnections();
    await until(page, `window.followed.opens >= 3 && ${progressSeen(12)}`);
    // The stream ends after `done`; the EventSource, left open, reconnects and is told to stop (204),
    // or, were it not, would be sent `done` again.
    await until(
      page,
      "window.followed.events.some((e) => e.event === 'done') && " +
        "(window.source.readyState === EventSource.CLOSED || window.followed.events.filter((e) => e.event === 'done').length > 1)",
    );
    const followed = await page.evaluate(() => (globalThis as unknown as PageGlobals).followed);

    const stored: TaskEvent[] = [];
    for await (const event of server.system.tasks.events({ owner: 'anonymous', admin: false }, taskId, {}))
      stored.push(event);
    expect(stored.at(-1)).toMatchObject({ type: 'status', status: 'completed' });
    const events = followed.events.filter((event) => event.event !== 'done');
    expect(events).toEqual(stored.map((event) => ({ event: event.type, id: String(event.seq) })));
    expect(followed.events.filter((event) => event.event === 'done')).toHaveLength(1);
    expect(followed.readyState).toBe(2);
  } finally {
    await browser.close();
  }
});
