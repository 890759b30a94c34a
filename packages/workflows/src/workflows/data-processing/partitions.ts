import { z } from 'zod';
import { throwIfAborted, yieldToEventLoop } from '../../run-params.ts';
import { Cursor, readRows, type SourceInfo, startCursor } from './source.ts';

/**
 * One partition of the source: from `start` up to the row ending at `end` (cursor offsets: rows for
 * row sources, bytes for CSV and JSON Lines, where `end` is always a record boundary).
 */
export const Partition = z.object({
  start: Cursor,
  end: z.number().int().min(0),
  rows: z.number().int().min(0),
});
export type Partition = z.output<typeof Partition>;

/** Rows between abort checks while scanning a file for record boundaries. */
const SCAN_BATCH = 10_000;

/**
 * Splits the source into up to `count` partitions of about equal size (never an empty one unless
 * the source is empty). Files are scanned once for record boundaries: a quoted CSV field may span
 * lines, so a byte offset alone is no place to cut.
 */
export async function planPartitions(
  source: SourceInfo,
  count: number,
  signal: AbortSignal,
): Promise<Partition[]> {
  if (source.kind === 'csv' || source.kind === 'jsonl') return scanPartitions(source, count, signal);
  const n = Math.max(1, Math.min(count, source.total));
  return Array.from({ length: n }, (_, i) => {
    const from = Math.floor((source.total * i) / n);
    const to = Math.floor((source.total * (i + 1)) / n);
    return { start: { rows: 0, offset: from }, end: to, rows: to - from };
  });
}

async function scanPartitions(source: SourceInfo, count: number, signal: AbortSignal): Promise<Partition[]> {
  const first = startCursor(source);
  const targets = Array.from(
    { length: count - 1 },
    (_, i) => first.offset + ((source.total - first.offset) * (i + 1)) / count,
  );
  const partitions: Partition[] = [];
  let from = first.offset;
  let rowsBefore = 0;
  let rows = 0;
  let next = 0;
  for await (const row of readRows(source, first, null)) {
    rows++;
    const target = targets[next];
    if (target !== undefined && row.offset >= target) {
      partitions.push({ start: { rows: 0, offset: from }, end: row.offset, rows: rows - rowsBefore });
      from = row.offset;
      rowsBefore = rows;
      while ((targets[next] ?? Number.POSITIVE_INFINITY) <= row.offset) next++;
    }
    if (rows % SCAN_BATCH === 0) {
      throwIfAborted(signal);
      await yieldToEventLoop();
    }
  }
  if (rows > rowsBefore || partitions.length === 0) {
    partitions.push({ start: { rows: 0, offset: from }, end: source.total, rows: rows - rowsBefore });
  }
  return partitions;
}
