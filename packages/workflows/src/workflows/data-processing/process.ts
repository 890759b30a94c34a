import { Node } from '@kaygraph/graph';
import { addRecord, type DatasetAggregates } from '../../lib/aggregate.ts';
import { enrichRecord } from '../../lib/derive.ts';
import { type CleanRecord, cleanRecord } from '../../lib/records.ts';
import { throwIfAborted, yieldToEventLoop } from '../../run-params.ts';
import { type Cursor, type RawRow, readRows } from './source.ts';
import { type DataShared, type PassSpan, type RowCounts, required, STEP } from './state.ts';

/** What a streaming pass reads besides the store: batch size, inline rows, the row count if known. */
export interface PassConfig {
  chunkSize: number;
  inline: readonly unknown[] | null;
  totalRows: number | null;
}

interface SegmentState {
  cursor: Cursor;
  counts: RowCounts;
  aggregates: DatasetAggregates;
  exhausted: boolean;
}

interface SegmentInput extends SegmentState {
  shared: Required<Pick<DataShared, 'source' | 'fields' | 'groupBy' | 'derived'>>;
  span: PassSpan;
}

const number = new Intl.NumberFormat('en-US');

/**
 * One slice (1/`of`) of the streaming pass over the store's span (the whole source, or a partition): read, validate and clean, transform and enrich, then
 * fold into the aggregates, a batch of `chunk_size` rows at a time. The pass is split into several
 * such nodes so that each slice ends in a checkpoint (a retry resumes mid-dataset) and takes its
 * fair share of the progress bar.
 */
export class ProcessSegment extends Node<DataShared, SegmentInput, SegmentState> {
  readonly index: number;
  readonly of: number;
  readonly config: PassConfig;

  constructor(index: number, of: number, config: PassConfig) {
    // Each batch is cleaned, then transformed: the pass shows the cleaning step until its first
    // batch is through, then the transform step, so the step never goes back to an earlier one.
    super({ id: `process_${index + 1}`, step: index === 0 ? STEP.clean : STEP.transform });
    this.index = index;
    this.of = of;
    this.config = config;
  }

  override prep(shared: DataShared): SegmentInput {
    return {
      shared: {
        source: required(shared.source, 'source'),
        fields: required(shared.fields, 'fields'),
        groupBy: required(shared.groupBy, 'groupBy'),
        derived: required(shared.derived, 'derived'),
      },
      // checkpoints written before spans existed covered the whole source, measured from 0
      span: shared.span ?? { start: 0, end: null },
      // copies: the store changes only in post, once the whole slice is done
      cursor: { ...required(shared.cursor, 'cursor') },
      counts: structuredClone(required(shared.counts, 'counts')),
      aggregates: structuredClone(required(shared.aggregates, 'aggregates')),
      exhausted: shared.exhausted ?? false,
    };
  }

  override async exec(input: SegmentInput): Promise<SegmentState> {
    const { source } = input.shared;
    const state: SegmentState = {
      cursor: input.cursor,
      counts: input.counts,
      aggregates: input.aggregates,
      exhausted: input.exhausted,
    };
    if (state.exhausted) return state;
    const { span } = input;
    const last = this.index === this.of - 1;
    const segmentStart = state.cursor.offset;
    const passEnd = span.end ?? source.total;
    const segmentEnd = last
      ? (span.end ?? Number.POSITIVE_INFINITY)
      : span.start + Math.ceil(((passEnd - span.start) * (this.index + 1)) / this.of);
    if (segmentStart >= segmentEnd) return state;
    const rows = readRows(source, state.cursor, this.config.inline);
    let batch: RawRow[] = [];
    let ended = true;
    for await (const row of rows) {
      batch.push(row);
      if (batch.length >= this.config.chunkSize || row.offset >= segmentEnd) {
        this.processBatch(batch, input, state, segmentStart, segmentEnd);
        batch = [];
        // generated and inline rows never wait on I/O: let a cancel message reach a worker thread
        await yieldToEventLoop();
        if (row.offset >= segmentEnd) {
          ended = false;
          break;
        }
      }
    }
    if (batch.length > 0) this.processBatch(batch, input, state, segmentStart, segmentEnd);
    state.exhausted = ended;
    return state;
  }

  processBatch(batch: RawRow[], input: SegmentInput, state: SegmentState, start: number, end: number): void {
    throwIfAborted(this.ctx.signal);
    const { fields, derived, groupBy, source } = input.shared;
    const { counts } = state;
    const lastOffset = batch.at(-1)?.offset ?? state.cursor.offset;
    const span = Number.isFinite(end) ? end - start : Math.max(source.total - start, 1);
    const percent = Math.min(99, ((lastOffset - start) / span) * 100);
    const cleaned: CleanRecord[] = [];
    for (const row of batch) {
      counts.read++;
      const outcome = row.ok ? cleanRecord(row.value, fields) : { ok: false as const, reason: row.reason };
      if (!outcome.ok) {
        counts.dropped++;
        counts.drop_reasons[outcome.reason] = (counts.drop_reasons[outcome.reason] ?? 0) + 1;
        continue;
      }
      counts.valid++;
      if (outcome.repairs.length > 0) counts.repaired++;
      for (const field of outcome.repairs)
        counts.repairs_by_field[field] = (counts.repairs_by_field[field] ?? 0) + 1;
      cleaned.push(outcome.record);
    }
    for (const record of cleaned) {
      enrichRecord(record, fields, derived);
      addRecord(state.aggregates, record, groupBy);
    }
    state.cursor = { rows: state.cursor.rows + batch.length, offset: lastOffset };
    this.ctx.progress({ step: STEP.transform, percent, message: this.describe(state) });
  }

  describe(state: SegmentState): string {
    const { counts } = state;
    const total = state.cursor.rows;
    const known = this.config.totalRows;
    return (
      `${number.format(total)}${known === null ? '' : ` of ${number.format(known)}`} rows: ` +
      `${number.format(counts.valid)} valid (${number.format(counts.repaired)} repaired), ${number.format(counts.dropped)} dropped`
    );
  }

  override post(shared: DataShared, _input: SegmentInput, state: SegmentState): void {
    shared.cursor = state.cursor;
    shared.counts = state.counts;
    shared.aggregates = state.aggregates;
    shared.exhausted = state.exhausted;
  }
}
