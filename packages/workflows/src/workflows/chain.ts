import { Graph, Node } from '@kaygraph/graph';
import { builtinWorkflow } from '../builtin-workflow.ts';
import { defineWorkflow, type WorkflowShared } from '../define.ts';
import { WorkflowInputError } from '../errors.ts';
import { addRecord, buildReport, emptyAggregates } from '../lib/aggregate.ts';
import { SALES_FIELDS, salesRow } from '../lib/datasets.ts';
import { type CleanRecord, cleanRecord, inferFields } from '../lib/records.ts';
import { servicesOf, throwIfAborted, yieldToEventLoop } from '../run-params.ts';
import {
  AnalyzeParams,
  AnalyzeResult,
  PreprocessParams,
  PreprocessResult,
  ReportParams,
  ReportResult,
} from './chain-params.ts';

/**
 * The spec's chaining example as real workflows: `preprocess` cleans rows, `analyze` (submitted with
 * `depends_on: [preprocess]`) aggregates the rows its dependencies produced, `report` (depending on
 * analyses) writes them up. Results travel through the run param `dependency_results`.
 */
const BATCH = 1000;

function dependencyResults(node: { params: Record<string, unknown> }): Array<[string, unknown]> {
  const results = node.params.dependency_results;
  return results && typeof results === 'object' ? Object.entries(results as Record<string, unknown>) : [];
}

class CleanRows extends Node<WorkflowShared, undefined, PreprocessResult> {
  readonly config: PreprocessParams;

  constructor(config: PreprocessParams) {
    super({ id: 'clean', step: 'Validate and clean data' });
    this.config = config;
  }

  override async exec(): Promise<PreprocessResult> {
    const { generate } = this.config;
    const raw = generate
      ? Array.from({ length: generate.rows }, (_, i) => salesRow(generate.seed, i))
      : (this.config.records ?? []);
    const fields = this.config.schema?.fields ?? (generate ? SALES_FIELDS : inferFields(raw.slice(0, 1000)));
    const result: PreprocessResult = {
      fields: fields.map((f) => ({ name: f.name, type: f.type })),
      records: [],
      counts: { read: 0, valid: 0, repaired: 0, dropped: 0, drop_reasons: {} },
    };
    for (const [i, row] of raw.entries()) {
      if (i % BATCH === 0) {
        await yieldToEventLoop();
        throwIfAborted(this.ctx.signal);
        this.ctx.progress({
          step: 'Validate and clean data',
          percent: (i / raw.length) * 100,
          message: `${i} of ${raw.length} rows`,
        });
      }
      const outcome = cleanRecord(row, fields);
      result.counts.read++;
      if (!outcome.ok) {
        result.counts.dropped++;
        result.counts.drop_reasons[outcome.reason] = (result.counts.drop_reasons[outcome.reason] ?? 0) + 1;
        continue;
      }
      result.counts.valid++;
      if (outcome.repairs.length > 0) result.counts.repaired++;
      result.records.push(outcome.record);
    }
    return result;
  }

  override post(shared: WorkflowShared, _prep: undefined, result: PreprocessResult): void {
    shared.result = result;
  }
}

class AnalyzeRows extends Node<WorkflowShared, undefined, AnalyzeResult> {
  readonly config: AnalyzeParams;

  constructor(config: AnalyzeParams) {
    super({ id: 'analyze', step: 'Analyze' });
    this.config = config;
  }

  override async exec(): Promise<AnalyzeResult> {
    const sources: string[] = [];
    let rows: unknown[] = this.config.records ?? [];
    if (!this.config.records) {
      for (const [taskId, result] of dependencyResults(this)) {
        const records = (result as { records?: unknown } | null)?.records;
        if (Array.isArray(records)) {
          sources.push(taskId);
          rows = rows.concat(records);
        }
      }
    }
    if (rows.length === 0) {
      throw new WorkflowInputError(
        'INVALID_PARAMS',
        'nothing to analyse: pass records, or depend on a task whose result has records',
      );
    }
    const fields = inferFields(rows.slice(0, 1000));
    const missing = this.config.group_by.filter((name) => !fields.some((f) => f.name === name));
    if (missing.length > 0)
      throw new WorkflowInputError('INVALID_PARAMS', `group_by names unknown fields: ${missing.join(', ')}`);
    const aggregates = emptyAggregates(fields);
    for (const [i, row] of rows.entries()) {
      if (i % BATCH === 0) {
        await yieldToEventLoop();
        throwIfAborted(this.ctx.signal);
        this.ctx.progress({
          step: 'Analyze',
          percent: (i / rows.length) * 100,
          message: `${i} of ${rows.length} rows`,
        });
      }
      const outcome = cleanRecord(row, fields);
      if (outcome.ok) addRecord(aggregates, outcome.record as CleanRecord, this.config.group_by);
    }
    const report = buildReport(aggregates, this.config.group_by);
    return {
      rows: report.rows,
      sources,
      summary: report.numeric,
      categories: report.categories,
      group_by: this.config.group_by,
      groups: report.groups.slice(0, 100),
    };
  }

  override post(shared: WorkflowShared, _prep: undefined, result: AnalyzeResult): void {
    shared.result = result;
  }
}

class WriteReport extends Node<WorkflowShared, undefined, ReportResult> {
  readonly config: ReportParams;

  constructor(config: ReportParams) {
    super({ id: 'write', step: 'Generate report' });
    this.config = config;
  }

  override async exec(): Promise<ReportResult> {
    const analyses = dependencyResults(this).flatMap(([taskId, result]) => {
      const parsed = AnalyzeResult.safeParse(result);
      return parsed.success ? [{ taskId, analysis: parsed.data }] : [];
    });
    if (analyses.length === 0) {
      throw new WorkflowInputError('INVALID_PARAMS', 'report needs to depend on at least one analyze task');
    }
    this.ctx.progress({ step: 'Generate report', percent: 0, message: `${analyses.length} analyses` });
    const lines = [`# ${this.config.title}`, ''];
    for (const { taskId, analysis } of analyses) {
      lines.push(
        `## Analysis ${taskId}`,
        '',
        `${analysis.rows} rows.`,
        '',
        '| field | mean | min | max |',
        '| --- | ---: | ---: | ---: |',
      );
      for (const [field, s] of Object.entries(analysis.summary))
        lines.push(`| ${field} | ${s.mean} | ${s.min} | ${s.max} |`);
      for (const group of analysis.groups.slice(0, 10)) {
        lines.push(`- ${Object.values(group.key).join(' / ')}: ${group.count} rows`);
      }
      lines.push('');
    }
    const markdown = lines.join('\n');
    const stored = await servicesOf(this).artifacts.put(
      'report.md',
      'text/markdown',
      new TextEncoder().encode(markdown),
    );
    this.ctx.progress({ step: 'Generate report', percent: 100, message: 'report.md written' });
    return {
      title: this.config.title,
      sources: analyses.map((a) => a.taskId),
      markdown,
      artifacts: [stored],
    };
  }

  override post(shared: WorkflowShared, _prep: undefined, result: ReportResult): void {
    shared.result = result;
  }
}

export const preprocess = builtinWorkflow(
  defineWorkflow({
    name: 'preprocess',
    description:
      'Validates and cleans rows (inline or generated) for the tasks that depend on it; its result carries the rows.',
    params: PreprocessParams,
    result: PreprocessResult,
    graph: (params) => new Graph(new CleanRows(params)),
  }),
);

export const analyze = builtinWorkflow(
  defineWorkflow({
    name: 'analyze',
    description:
      'Summary statistics and group aggregates over given rows or the rows of the tasks it depends on.',
    params: AnalyzeParams,
    result: AnalyzeResult,
    graph: (params) => new Graph(new AnalyzeRows(params)),
  }),
);

export const urgentAnalysis = builtinWorkflow(
  defineWorkflow({
    name: 'urgent_analysis',
    description: 'The analyze workflow, queued at high priority by default.',
    params: AnalyzeParams,
    result: AnalyzeResult,
    defaults: { priority: 'high' },
    graph: (params) => new Graph(new AnalyzeRows(params)),
  }),
);

export const report = builtinWorkflow(
  defineWorkflow({
    name: 'report',
    description:
      'Writes the analyses this task depends on up as a markdown report (result and report.md artifact).',
    params: ReportParams,
    result: ReportResult,
    graph: (params) => new Graph(new WriteReport(params)),
  }),
);
