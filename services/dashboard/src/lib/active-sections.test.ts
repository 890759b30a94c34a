import type { TaskStatus } from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import { activeSections, SECTION_ROWS } from './active-sections.ts';
import { countsFromServer } from './status-counts.ts';
import { metricsCounts, taskSummary } from './test-fixtures.ts';

function tasks(status: TaskStatus, count: number, from = 0) {
  return Array.from({ length: count }, (_, n) =>
    taskSummary({
      status,
      workflow: status,
      created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, from + n)).toISOString(),
    }),
  );
}

describe('activeSections', () => {
  it('lists the waiting tasks first, whatever the backlog, and counts the rest from the counts', () => {
    // The page holds the newest 1,000 of 2,444 queued tasks (created after the waiting ones).
    const held = [...tasks('waiting', 20), ...tasks('running', 4), ...tasks('queued', 1000, 100)];
    const counts = countsFromServer(
      metricsCounts({
        tasks_waiting: 20,
        tasks_running: 4,
        tasks_queued: 2444,
        tasks_scheduled: 10,
        tasks_blocked: 1,
      }),
    );
    const sections = activeSections(held, counts);
    expect(sections.map((section) => section.key)).toEqual([
      'waiting',
      'running',
      'blocked',
      'scheduled',
      'queued',
    ]);
    const [waiting, running, blocked, scheduled, queued] = sections;
    expect(waiting?.rows).toHaveLength(20);
    expect(waiting?.more).toEqual({ value: 0, atLeast: false });
    expect(running?.rows).toHaveLength(4);
    // Counted by the server, not loaded here: listed as "more", not hidden.
    expect(blocked?.rows).toHaveLength(0);
    expect(blocked?.more).toEqual({ value: 1, atLeast: false });
    expect(scheduled?.more).toEqual({ value: 10, atLeast: false });
    expect(queued?.rows).toHaveLength(SECTION_ROWS);
    expect(queued?.more).toEqual({ value: 2444 - SECTION_ROWS, atLeast: false });
    expect(queued?.canShowMore).toBe(true);
    // Newest first.
    expect(queued?.rows[0]?.created_at).toBe(new Date(Date.UTC(2026, 0, 1, 0, 0, 1099)).toISOString());
  });

  it('lists more of a section when asked, up to what the page holds', () => {
    const counts = countsFromServer(metricsCounts({ tasks_queued: 1500 }));
    const [queued] = activeSections(tasks('queued', 1000), counts, { queued: 2000 });
    expect(queued?.rows).toHaveLength(1000);
    expect(queued?.more).toEqual({ value: 500, atLeast: false });
    expect(queued?.canShowMore).toBe(false);
  });

  it('keeps a lower bound a lower bound, and never counts below the rows the page holds', () => {
    const lower = { value: 1000, atLeast: true };
    const counts = { ...countsFromServer(metricsCounts()), queued: lower };
    const [queued] = activeSections(tasks('queued', 1000), counts);
    expect(queued?.more).toEqual({ value: 1000 - SECTION_ROWS, atLeast: true });
    // Metrics read a moment before three more arrived live.
    const stale = countsFromServer(metricsCounts({ tasks_waiting: 1 }));
    const [waiting] = activeSections(tasks('waiting', 3), stale);
    expect(waiting?.rows).toHaveLength(3);
    expect(waiting?.more).toEqual({ value: 0, atLeast: false });
  });

  it("lists the queue in the server's order, each task as the live store last saw it, held ones after", () => {
    const [high, normal, low] = (['high', 'normal', 'low'] as const).map((priority, n) =>
      taskSummary({ priority, created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, 10 - n)).toISOString() }),
    );
    if (!high || !normal || !low) throw new Error('no tasks');
    // The store heard that `normal` started since the server's list was read.
    const started = {
      ...normal,
      status: 'running' as const,
      updated_at: new Date(Date.now() + 1000).toISOString(),
    };
    const held = taskSummary({ status: 'pending' });
    const store = [low, started, high, held];
    const counts = countsFromServer(metricsCounts({ tasks_queued: 40, tasks_held: 1, tasks_running: 1 }));
    const order = { queued: { status: 'queued' as const, items: [high, normal, low], more: true } };
    const queued = activeSections(store, counts, {}, order).find((section) => section.key === 'queued');
    expect(queued?.rows.map((task) => task.task_id)).toEqual([high.task_id, low.task_id, held.task_id]);
    expect(queued?.more).toEqual({ value: 41 - 3, atLeast: false });
    // The server has more than it sent: "Show more" reads them.
    expect(queued?.canShowMore).toBe(true);
    const running = activeSections(store, counts, {}, order).find((section) => section.key === 'running');
    expect(running?.rows.map((task) => task.task_id)).toEqual([normal.task_id]);
  });

  it('leaves out empty groups', () => {
    expect(activeSections([], countsFromServer(metricsCounts()))).toEqual([]);
  });
});
