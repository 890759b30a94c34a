import { Timestamp } from '@kaygraph/contracts/run-contracts';
import { Graph, Node } from '@kaygraph/graph';
import { z } from 'zod';
import { builtinWorkflow } from '../builtin-workflow.ts';
import { defineWorkflow, type WorkflowShared } from '../define.ts';
import { toCsv } from '../lib/csv.ts';
import { servicesOf } from '../run-params.ts';
import type { StoredArtifact, TaskWindowStats } from '../services/types.ts';

export const DailyReportParams = z.strictObject({
  /** summary: the report; detailed: also every error group and a per-workflow CSV. */
  type: z.enum(['summary', 'detailed']).default('summary'),
  /** Length of the window, ending at `end`. */
  window_hours: z
    .number()
    .int()
    .min(1)
    .max(24 * 31)
    .default(24),
  /** End of the window (default: when the task runs). */
  end: Timestamp.optional(),
});
export type DailyReportParams = z.output<typeof DailyReportParams>;

const Duration = z.object({
  count: z.number(),
  mean: z.number(),
  p50: z.number(),
  p95: z.number(),
  max: z.number(),
});

export const DailyReportResult = z.object({
  type: z.enum(['summary', 'detailed']),
  window: z.object({ from: z.string(), to: z.string() }),
  total: z.number().int(),
  by_status: z.record(z.string(), z.number().int()),
  by_workflow: z.array(
    z.object({
      workflow: z.string(),
      total: z.number().int(),
      by_status: z.record(z.string(), z.number().int()),
      duration_seconds: Duration.nullable(),
    }),
  ),
  duration_seconds: Duration.nullable(),
  error_rate: z.number().nullable(),
  top_errors: z.array(
    z.object({
      code: z.string(),
      message: z.string(),
      count: z.number().int(),
      workflows: z.array(z.string()),
    }),
  ),
  artifacts: z.array(z.object({ name: z.string(), content_type: z.string(), size: z.number().int() })),
});
export type DailyReportResult = z.output<typeof DailyReportResult>;

const STEP = { collect: 'Collect task statistics', write: 'Write report' } as const;

interface ReportShared extends WorkflowShared {
  window?: { from: string; to: string };
  stats?: TaskWindowStats;
}

class CollectStatistics extends Node<
  ReportShared,
  undefined,
  { window: { from: string; to: string }; stats: TaskWindowStats }
> {
  readonly config: DailyReportParams;

  constructor(config: DailyReportParams) {
    super({ id: 'collect', step: STEP.collect });
    this.config = config;
  }

  override async exec() {
    const to = this.config.end ? new Date(this.config.end) : new Date();
    const from = new Date(to.getTime() - this.config.window_hours * 3600_000);
    this.ctx.progress({
      step: STEP.collect,
      percent: 0,
      message: `tasks created ${from.toISOString()} - ${to.toISOString()}`,
    });
    const stats = await servicesOf(this).tasks.stats({ from, to });
    this.ctx.progress({ step: STEP.collect, percent: 100, message: `${stats.total} tasks in the window` });
    return { window: { from: from.toISOString(), to: to.toISOString() }, stats };
  }

  override post(
    shared: ReportShared,
    _prep: undefined,
    collected: { window: { from: string; to: string }; stats: TaskWindowStats },
  ) {
    shared.window = collected.window;
    shared.stats = collected.stats;
  }
}

class WriteReport extends Node<ReportShared, ReportShared, DailyReportResult> {
  readonly config: DailyReportParams;

  constructor(config: DailyReportParams) {
    super({ id: 'write', step: STEP.write });
    this.config = config;
  }

  override prep(shared: ReportShared): ReportShared {
    return shared;
  }

  override async exec(shared: ReportShared): Promise<DailyReportResult> {
    const { stats, window } = shared;
    if (!stats || !window) throw new Error('the statistics were not collected');
    const services = servicesOf(this);
    const encoder = new TextEncoder();
    const detailed = this.config.type === 'detailed';
    const topErrors = detailed ? stats.top_errors : stats.top_errors.slice(0, 5);
    this.ctx.progress({ step: STEP.write, percent: 0, message: 'writing report.md' });
    const artifacts: StoredArtifact[] = [
      await services.artifacts.put(
        'report.md',
        'text/markdown',
        encoder.encode(markdown(stats, window, topErrors)),
      ),
    ];
    if (detailed) {
      const rows = stats.by_workflow.map((w) => ({
        workflow: w.workflow,
        total: w.total,
        completed: w.by_status.completed ?? 0,
        failed: w.by_status.failed ?? 0,
        cancelled: w.by_status.cancelled ?? 0,
        mean_seconds: w.duration_seconds?.mean,
        p95_seconds: w.duration_seconds?.p95,
        max_seconds: w.duration_seconds?.max,
      }));
      const columns = [
        'workflow',
        'total',
        'completed',
        'failed',
        'cancelled',
        'mean_seconds',
        'p95_seconds',
        'max_seconds',
      ];
      artifacts.push(
        await services.artifacts.put('workflows.csv', 'text/csv', encoder.encode(toCsv(columns, rows))),
      );
    }
    this.ctx.progress({ step: STEP.write, percent: 100, message: `${artifacts.length} artifacts written` });
    return { type: this.config.type, window, ...stats, top_errors: topErrors, artifacts };
  }

  override post(shared: ReportShared, _prep: ReportShared, result: DailyReportResult): void {
    shared.result = result;
  }
}

function markdown(
  stats: TaskWindowStats,
  window: { from: string; to: string },
  topErrors: TaskWindowStats['top_errors'],
) {
  const percent = (value: number | null) => (value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`);
  const seconds = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(2)} s`);
  const lines = [
    `# Task report ${window.from} - ${window.to}`,
    '',
    `${stats.total} tasks; error rate ${percent(stats.error_rate)}; duration mean ${seconds(stats.duration_seconds?.mean)}, ` +
      `p95 ${seconds(stats.duration_seconds?.p95)}.`,
    '',
    '| status | tasks |',
    '| --- | ---: |',
    ...Object.entries(stats.by_status).map(([status, count]) => `| ${status} | ${count} |`),
    '',
    '| workflow | tasks | completed | failed | mean | p95 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...stats.by_workflow.map(
      (w) =>
        `| ${w.workflow} | ${w.total} | ${w.by_status.completed ?? 0} | ${w.by_status.failed ?? 0} | ` +
        `${seconds(w.duration_seconds?.mean)} | ${seconds(w.duration_seconds?.p95)} |`,
    ),
  ];
  if (topErrors.length > 0) {
    lines.push('', '## Top errors', '');
    for (const error of topErrors) {
      lines.push(
        `- ${error.count} x ${error.code}: ${error.message.replaceAll('\n', ' ')} (${error.workflows.join(', ')})`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

export const dailyReport = builtinWorkflow(
  defineWorkflow({
    name: 'daily_report',
    description:
      'Statistics over the tasks created in a time window (default: the last 24 hours): counts per status and ' +
      'workflow, durations, error rate and the most frequent errors, as result JSON and a markdown report; ' +
      'made for a cron schedule such as "0 9 * * *".',
    params: DailyReportParams,
    result: DailyReportResult,
    defaults: { max_retries: 3, timeout_seconds: 600, priority: 'low' },
    inline: true,
    graph: (params) => {
      const collect = new CollectStatistics(params);
      collect.next(new WriteReport(params));
      return new Graph<ReportShared>(collect);
    },
  }),
);
