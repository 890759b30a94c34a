import { Node } from '@kaygraph/graph';
import { buildReport, type DatasetReport, groupReportRows } from '../../lib/aggregate.ts';
import { toCsv } from '../../lib/csv.ts';
import { servicesOf } from '../../run-params.ts';
import type { StoredArtifact } from '../../services/types.ts';
import type { DataProcessingResult } from './params.ts';
import { releaseJsonCache } from './source.ts';
import { type DataShared, required, STEP } from './state.ts';

/** Groups listed in the result itself; the CSV artifact has all of them. */
const RESULT_GROUPS = 100;

export class GenerateReports extends Node<DataShared, DataShared, DatasetReport> {
  constructor() {
    super({ id: 'report', step: STEP.report });
  }

  override prep(shared: DataShared): DataShared {
    return shared;
  }

  override exec(shared: DataShared): DatasetReport {
    this.ctx.progress({ step: STEP.report, percent: 0, message: 'summary statistics and group aggregates' });
    const report = buildReport(
      required(shared.aggregates, 'aggregates'),
      required(shared.groupBy, 'groupBy'),
    );
    this.ctx.progress({
      step: STEP.report,
      percent: 100,
      message: `${Object.keys(report.numeric).length} numeric fields, ${report.groups.length} groups`,
    });
    return report;
  }

  override post(shared: DataShared, _prep: DataShared, report: DatasetReport): void {
    shared.report = report;
    // the raw aggregates (reservoirs included) are no longer needed: keep checkpoints small
    shared.aggregates = undefined;
    releaseJsonCache();
  }
}

export class StoreResults extends Node<DataShared, DataShared, DataProcessingResult> {
  constructor() {
    super({ id: 'store', step: STEP.store });
  }

  override prep(shared: DataShared): DataShared {
    return shared;
  }

  override async exec(shared: DataShared): Promise<DataProcessingResult> {
    const report = required(shared.report, 'report');
    const groupBy = required(shared.groupBy, 'groupBy');
    const source = required(shared.source, 'source');
    const services = servicesOf(this);
    const encoder = new TextEncoder();
    this.ctx.progress({ step: STEP.store, percent: 0, message: 'writing summary.csv' });
    const summaryColumns = ['field', 'count', 'sum', 'mean', 'std', 'min', 'max', 'p50', 'p95'];
    const summaryRows = Object.entries(report.numeric).map(([field, stats]) => ({ field, ...stats }));
    const artifacts: StoredArtifact[] = [
      await services.artifacts.put(
        'summary.csv',
        'text/csv',
        encoder.encode(toCsv(summaryColumns, summaryRows)),
      ),
    ];
    if (groupBy.length > 0) {
      this.ctx.progress({ step: STEP.store, percent: 50, message: 'writing groups.csv' });
      const { columns, rows } = groupReportRows(report, groupBy);
      artifacts.push(
        await services.artifacts.put('groups.csv', 'text/csv', encoder.encode(toCsv(columns, rows))),
      );
    }
    this.ctx.progress({ step: STEP.store, percent: 100, message: `${artifacts.length} artifacts stored` });
    return {
      source: { kind: source.kind, name: 'name' in source ? source.name : null },
      fields: required(shared.enriched, 'enriched').map((field) => ({ name: field.name, type: field.type })),
      counts: required(shared.counts, 'counts'),
      summary: report.numeric,
      categories: report.categories,
      group_by: groupBy,
      groups: report.groups.slice(0, RESULT_GROUPS),
      groups_total: report.groups.length,
      artifacts,
    };
  }

  override post(shared: DataShared, _prep: DataShared, result: DataProcessingResult): void {
    shared.result = result;
  }
}
