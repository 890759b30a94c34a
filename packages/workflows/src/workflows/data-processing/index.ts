import { Graph } from '@kaygraph/graph';
import { defineWorkflow } from '../../define.ts';
import { chain } from '../../run-params.ts';
import { LoadDataset } from './load.ts';
import { DataProcessingParams, DataProcessingResult } from './params.ts';
import { ProcessSegment } from './process.ts';
import { GenerateReports, StoreResults } from './report.ts';
import type { DataShared } from './state.ts';

/** Slices of the streaming pass: checkpoints and progress shares (see ProcessSegment). */
const MAX_SEGMENTS = 16;

function segmentCount(params: DataProcessingParams): number {
  const { input } = params;
  const rows = Array.isArray(input) ? input.length : typeof input === 'object' ? input.generate.rows : null;
  return rows === null
    ? MAX_SEGMENTS
    : Math.max(1, Math.min(MAX_SEGMENTS, Math.ceil(rows / params.chunk_size)));
}

export const dataProcessing = defineWorkflow({
  name: 'data_processing',
  description:
    'Loads records (inline, a CSV/JSON file under the data directory, or a generated dataset) in a streaming ' +
    'pass, validates and repairs or drops bad rows, derives fields, and reports summary statistics and ' +
    'per-group aggregates, stored as result JSON and CSV artifacts.',
  params: DataProcessingParams,
  result: DataProcessingResult,
  defaults: { max_retries: 3, timeout_seconds: 3600 },
  graph: (params) => {
    const count = segmentCount(params);
    const segments = Array.from({ length: count }, (_, i) => new ProcessSegment(i, count, params));
    return new Graph<DataShared>(
      chain<DataShared>(new LoadDataset(params), ...segments, new GenerateReports(), new StoreResults()),
    );
  },
});

export { DataProcessingParams, DataProcessingResult } from './params.ts';
