import { Graph } from '@kaygraph/graph';
import { builtinWorkflow } from '../../builtin-workflow.ts';
import { defineWorkflow } from '../../define.ts';
import { chain } from '../../run-params.ts';
import { LoadDataset } from './load.ts';
import { DataProcessingParams, DataProcessingResult } from './params.ts';
import { type PassConfig, ProcessSegment } from './process.ts';
import { GenerateReports, StoreResults } from './report.ts';
import { SplitIntoPartitions } from './split.ts';
import type { DataShared } from './state.ts';

/** Slices of the streaming pass: checkpoints and progress shares (see ProcessSegment). */
const MAX_SEGMENTS = 16;

function knownRows(params: DataProcessingParams): number | null {
  const { input } = params;
  return Array.isArray(input) ? input.length : typeof input === 'object' ? input.generate.rows : null;
}

function segmentCount(params: DataProcessingParams): number {
  const rows = knownRows(params);
  return rows === null
    ? MAX_SEGMENTS
    : Math.max(1, Math.min(MAX_SEGMENTS, Math.ceil(rows / params.chunk_size)));
}

export const dataProcessing = builtinWorkflow(
  defineWorkflow({
    name: 'data_processing',
    description:
      'Loads records (inline, a CSV/JSON file under the data directory, or a generated dataset) in a streaming ' +
      'pass, validates and repairs or drops bad rows, derives fields, and reports summary statistics and ' +
      'per-group aggregates, stored as result JSON and CSV artifacts. With `partitions`, child tasks process ' +
      'the parts on any worker and this task merges them.',
    params: DataProcessingParams,
    result: DataProcessingResult,
    defaults: { max_retries: 3, timeout_seconds: 3600 },
    graph: (params) => {
      const load = new LoadDataset(params);
      const report = [new GenerateReports(), new StoreResults()];
      if (params.partitions > 1) {
        return new Graph<DataShared>(chain<DataShared>(load, new SplitIntoPartitions(params), ...report));
      }
      const count = segmentCount(params);
      const pass: PassConfig = {
        chunkSize: params.chunk_size,
        inline: Array.isArray(params.input) ? params.input : null,
        totalRows: knownRows(params),
      };
      const segments = Array.from({ length: count }, (_, i) => new ProcessSegment(i, count, pass));
      return new Graph<DataShared>(chain<DataShared>(load, ...segments, ...report));
    },
  }),
);

export { DataProcessingParams, DataProcessingResult } from './params.ts';
