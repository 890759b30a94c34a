import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DailyReportResult, dailyReport } from '../src/index.ts';
import { createHarness, type Harness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await createHarness();
});
afterAll(() => harness[Symbol.asyncDispose]());

async function task(
  owner: string,
  workflow: string,
  status: string,
  hoursAgo: number,
  seconds: number,
  error?: string,
) {
  await harness.sql`
    insert into tasks (owner, workflow, status, max_retries, timeout_seconds, created_at, started_at, completed_at, error)
    values (${owner}, ${workflow}, ${status}, 3, 3600,
            now() - make_interval(hours => ${hoursAgo}),
            now() - make_interval(hours => ${hoursAgo}),
            now() - make_interval(hours => ${hoursAgo}) + make_interval(secs => ${seconds}),
            ${error ? JSON.stringify({ code: 'WORKFLOW_ERROR', message: error }) : null}::jsonb)`;
}

describe('daily_report', () => {
  it('reports counts per status and workflow, durations, error rate and top errors of the window', async () => {
    const owner = 'reporter';
    await task(owner, 'data_processing', 'completed', 1, 4);
    await task(owner, 'data_processing', 'completed', 2, 6);
    await task(owner, 'data_processing', 'failed', 3, 1, 'file not found');
    await task(owner, 'model_training', 'completed', 5, 20);
    await task(owner, 'model_training', 'failed', 6, 2, 'file not found');
    await task(owner, 'model_training', 'failed', 7, 2, 'diverged');
    await task(owner, 'model_training', 'completed', 30, 99); // before the window
    await task('other-owner', 'demo', 'failed', 1, 1, 'not mine');
    const services = await harness.servicesForTask('daily_report', owner);
    const shared: { result?: unknown } = {};
    await dailyReport.graph({ type: 'detailed' }).run(shared, { params: { services } });
    const result = dailyReport.result?.parse(shared.result) as DailyReportResult;

    // the report task itself is running in the window too
    expect(result.total).toBe(7);
    expect(result.by_status).toEqual({ completed: 3, failed: 3, running: 1 });
    expect(result.error_rate).toBe(0.5);
    expect(result.by_workflow.find((w) => w.workflow === 'data_processing')).toMatchObject({
      total: 3,
      by_status: { completed: 2, failed: 1 },
      duration_seconds: { count: 3, mean: 3.667, max: 6, p50: 4 },
    });
    expect(result.top_errors).toEqual([
      {
        code: 'WORKFLOW_ERROR',
        message: 'file not found',
        count: 2,
        workflows: ['data_processing', 'model_training'],
      },
      { code: 'WORKFLOW_ERROR', message: 'diverged', count: 1, workflows: ['model_training'] },
    ]);
    expect(Date.parse(result.window.to) - Date.parse(result.window.from)).toBe(24 * 3600_000);
    expect(result.artifacts.map((a) => a.name)).toEqual(['report.md', 'workflows.csv']);
    const report = await harness.artifact(services.taskId, 'report.md');
    expect(report?.text).toContain('| data_processing | 3 | 2 | 1 |');
    expect(report?.text).toContain('- 2 x WORKFLOW_ERROR: file not found (data_processing, model_training)');
  });

  it('accepts the spec example params and an explicit window end', async () => {
    expect(dailyReport.params.parse({ type: 'summary' })).toEqual({ type: 'summary', window_hours: 24 });
    const services = await harness.servicesForTask('daily_report', 'empty-owner');
    const shared: { result?: unknown } = {};
    await dailyReport
      .graph({ end: '2020-01-02T00:00:00Z', window_hours: 48 })
      .run(shared, { params: { services } });
    expect(shared.result).toMatchObject({
      window: { from: '2019-12-31T00:00:00.000Z', to: '2020-01-02T00:00:00.000Z' },
      total: 0,
      error_rate: null,
      duration_seconds: null,
    });
  });
});
