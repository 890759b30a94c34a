import { type ChildOutcome, childResults, runChildren, WaitNode } from '@kaygraph/graph';
import { emptyAggregates } from '../../lib/aggregate.ts';
import type { DerivedField } from '../../lib/derive.ts';
import { mergeAggregates } from '../../lib/merge-aggregates.ts';
import type { FieldSpec } from '../../lib/records.ts';
import type { DataProcessingParams } from './params.ts';
import { type DataPartitionParams, DataPartitionResult, PARTITION_WORKFLOW } from './partition-workflow.ts';
import { planPartitions } from './partitions.ts';
import type { SourceInfo } from './source.ts';
import { type DataShared, emptyCounts, mergeCounts, required, STEP } from './state.ts';

interface SplitInput {
  source: SourceInfo;
  fields: FieldSpec[];
  enriched: FieldSpec[];
  groupBy: string[];
  derived: DerivedField[];
}

const number = new Intl.NumberFormat('en-US');

/**
 * Splits the rows into `partitions` child tasks (`data_processing_partition`) and waits for them,
 * holding no worker meanwhile; then merges their counts and aggregates, in order, for the report.
 * A partition that failed fails the task (CHILD_FAILED): a report over part of the data would mislead.
 */
export class SplitIntoPartitions extends WaitNode<DataShared, SplitInput, ChildOutcome[]> {
  readonly config: DataProcessingParams;

  constructor(config: DataProcessingParams) {
    super({ id: 'partitions', step: STEP.transform });
    this.config = config;
  }

  override prep(shared: DataShared): SplitInput {
    return {
      source: required(shared.source, 'source'),
      fields: required(shared.fields, 'fields'),
      enriched: required(shared.enriched, 'enriched'),
      groupBy: required(shared.groupBy, 'groupBy'),
      derived: required(shared.derived, 'derived'),
    };
  }

  override async exec(input: SplitInput) {
    const { partitions: count, chunk_size, input: rows } = this.config;
    this.ctx.progress({ step: STEP.transform, percent: 0, message: `splitting into ${count} partitions` });
    const partitions = await planPartitions(input.source, count, this.ctx.signal);
    const inline = Array.isArray(rows) ? rows : null;
    return runChildren(
      partitions.map((range) => {
        const params: DataPartitionParams = {
          source: inline ? { kind: 'inline', total: range.rows } : input.source,
          fields: input.fields,
          derived: input.derived,
          group_by: input.groupBy,
          chunk_size,
          range: inline ? { start: { rows: 0, offset: 0 }, end: range.rows, rows: range.rows } : range,
          ...(inline ? { records: inline.slice(range.start.offset, range.end) } : {}),
        };
        return { workflow: PARTITION_WORKFLOW, params };
      }),
    );
  }

  override post(shared: DataShared, input: SplitInput, outcomes: ChildOutcome[]): void {
    const counts = emptyCounts();
    const aggregates = emptyAggregates(input.enriched);
    for (const result of childResults(outcomes)) {
      const partition = DataPartitionResult.parse(result) as DataPartitionResult;
      mergeCounts(counts, partition.counts);
      mergeAggregates(aggregates, partition.aggregates);
    }
    shared.counts = counts;
    shared.aggregates = aggregates;
    shared.exhausted = true;
    this.ctx.progress({
      step: STEP.transform,
      percent: 100,
      message:
        `${number.format(counts.read)} rows in ${outcomes.length} partitions: ` +
        `${number.format(counts.valid)} valid (${number.format(counts.repaired)} repaired), ${number.format(counts.dropped)} dropped`,
    });
  }
}
