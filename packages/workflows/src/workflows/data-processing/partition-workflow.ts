import { stat } from 'node:fs/promises';
import { Graph, Node } from '@kaygraph/graph';
import { z } from 'zod';
import { builtinWorkflow } from '../../builtin-workflow.ts';
import { defineWorkflow } from '../../define.ts';
import { WorkflowInputError } from '../../errors.ts';
import { type DatasetAggregates, emptyAggregates } from '../../lib/aggregate.ts';
import { DerivedField, enrichedFields } from '../../lib/derive.ts';
import { FieldSpec } from '../../lib/records.ts';
import { chain, servicesOf } from '../../run-params.ts';
import { resolveDataFile } from '../../services/data-dir.ts';
import { INPUT_EXTENSIONS } from './load.ts';
import { InlineRecords } from './params.ts';
import { Partition } from './partitions.ts';
import { ProcessSegment } from './process.ts';
import { loadJsonArray, SourceInfo } from './source.ts';
import { type DataShared, emptyCounts, required } from './state.ts';

/**
 * The child workflow a partitioned data_processing task submits, one task per partition (`as const`: its
 * literal type survives `builtinWorkflow(defineWorkflow(...))`, which keys the typed catalog by name).
 */
export const PARTITION_WORKFLOW = 'data_processing_partition' as const;

/** Slices (checkpoints) of one partition's pass, as in the whole-source pass. */
const MAX_SEGMENTS = 16;

export const DataPartitionParams = z.strictObject({
  /** The parent's source, as its load step opened it (a file is opened again by name here). */
  source: SourceInfo,
  fields: z.array(FieldSpec).min(1),
  derived: z.array(DerivedField),
  group_by: z.array(z.string()),
  chunk_size: z.number().int().min(100).max(100_000),
  range: Partition,
  /** The partition's own rows, for an inline input (the range then covers them from 0). */
  records: InlineRecords.optional(),
});
export type DataPartitionParams = z.output<typeof DataPartitionParams>;

const Counts = z.record(z.string(), z.number().int());

/** Mergeable state, not a report: the parent folds the partitions' results in order. */
export const DataPartitionResult = z.object({
  counts: z.object({
    read: z.number().int(),
    valid: z.number().int(),
    repaired: z.number().int(),
    dropped: z.number().int(),
    drop_reasons: Counts,
    repairs_by_field: Counts,
  }),
  aggregates: z.object({
    rows: z.number().int(),
    numeric: z.record(z.string(), z.unknown()),
    categories: z.record(z.string(), z.unknown()),
    groups: z.record(z.string(), z.unknown()),
    groupCount: z.number().int(),
  }),
});
export type DataPartitionResult = {
  counts: z.output<typeof DataPartitionResult>['counts'];
  aggregates: DatasetAggregates;
};

/** Sets the store up for the partition's range; a file is found again in this worker's data directory. */
class OpenPartition extends Node<DataShared, undefined, SourceInfo> {
  readonly config: DataPartitionParams;

  constructor(config: DataPartitionParams) {
    super({ id: 'open_partition', step: 'Validate and clean data' });
    this.config = config;
  }

  override async exec(): Promise<SourceInfo> {
    const { source } = this.config;
    if (source.kind === 'inline' || source.kind === 'generate') return source;
    const path = await resolveDataFile(servicesOf(this).dataDir, source.name, INPUT_EXTENSIONS);
    const total = source.kind === 'json' ? (await loadJsonArray(path)).length : (await stat(path)).size;
    if (total !== source.total) {
      throw new WorkflowInputError(
        'INVALID_PARAMS',
        `"${source.name}" changed while its partitions were processed`,
      );
    }
    return { ...source, path };
  }

  override post(shared: DataShared, _prep: undefined, source: SourceInfo): void {
    const { fields, derived, group_by, range } = this.config;
    const enriched = enrichedFields(fields, derived);
    shared.source = source;
    shared.fields = fields;
    shared.enriched = enriched;
    shared.groupBy = group_by;
    shared.derived = derived;
    shared.cursor = range.start;
    shared.span = { start: range.start.offset, end: range.end };
    shared.exhausted = false;
    shared.counts = emptyCounts();
    shared.aggregates = emptyAggregates(enriched);
  }
}

class ClosePartition extends Node<DataShared> {
  constructor() {
    super({ id: 'close_partition' });
  }

  override post(shared: DataShared): void {
    const result: DataPartitionResult = {
      counts: required(shared.counts, 'counts'),
      aggregates: required(shared.aggregates, 'aggregates'),
    };
    shared.result = result;
  }
}

export const dataProcessingPartition = builtinWorkflow(
  defineWorkflow({
    name: PARTITION_WORKFLOW,
    description:
      'One partition of a data_processing task with `partitions` (submitted by it as a child task): cleans, ' +
      'enriches and aggregates its range of the rows; the parent merges the partitions and reports.',
    params: DataPartitionParams,
    result: DataPartitionResult,
    defaults: { max_retries: 3, timeout_seconds: 3600 },
    graph: (params) => {
      const count = Math.max(1, Math.min(MAX_SEGMENTS, Math.ceil(params.range.rows / params.chunk_size)));
      const pass = {
        chunkSize: params.chunk_size,
        inline: params.records ?? null,
        totalRows: params.range.rows,
      };
      const segments = Array.from({ length: count }, (_, i) => new ProcessSegment(i, count, pass));
      return new Graph<DataShared>(
        chain<DataShared>(new OpenPartition(params), ...segments, new ClosePartition()),
      );
    },
  }),
);
