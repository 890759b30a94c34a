import { describe, expect, it } from 'vitest';
import { useDashboardSession, WAIT } from './support/session.ts';

/**
 * A task page's node metrics in a real Chromium against a real api, worker and database, for a graph that
 * looped through more steps than a task lists: every node summed, the last steps listed, the rest counted.
 */

const session = useDashboardSession();

describe('node metrics of a looping task', () => {
  it('sums every node, lists the last 1,000 steps and says how many earlier ones are only counted', async () => {
    const turns = 2_000;
    const { task_id } = await session.client.tasks.submit.mutate({ workflow: 'loop', params: { turns } });
    for await (const event of session.client.watch(task_id)) {
      if (event.type === 'status' && event.status === 'completed') break;
    }
    await session.openDashboard(`#/tasks/${task_id}`);
    const page = session.page;

    const totals = page.getByTestId('node-totals');
    await totals.waitFor(WAIT);
    const rows = await totals
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent?.trim())),
      );
    expect(rows).toEqual([
      ['decide', (turns + 1).toLocaleString('en')],
      ['act', turns.toLocaleString('en')],
      ['loop', '1'],
      ['finish', '1'],
    ]);

    const steps = 2 * turns + 1 + 1 + 1;
    await expect(page.getByTestId('node-metrics').locator('tbody tr').count()).resolves.toBe(1_000);
    await expect(page.getByTestId('metrics-omitted').textContent()).resolves.toBe(
      `The last 1,000 of ${steps.toLocaleString('en')} steps: the ${(steps - 1_000).toLocaleString('en')} before them are counted in the totals above.`,
    );
  });
});
