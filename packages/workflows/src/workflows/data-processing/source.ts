import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { WorkflowInputError } from '../../errors.ts';
import { salesRow } from '../../lib/datasets.ts';
import { readCsvRecords, readJsonLines } from '../../lib/file-source.ts';

/** Where the rows come from; plain JSON, kept in the shared store (and checkpointed). */
export const SourceInfo = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('inline'), total: z.number().int().min(0) }),
  z.object({ kind: z.literal('generate'), total: z.number().int().min(0), seed: z.number().int() }),
  z.object({ kind: z.literal('json'), path: z.string(), total: z.number().int().min(0), name: z.string() }),
  z.object({
    kind: z.literal('csv'),
    path: z.string(),
    total: z.number().int().min(0),
    name: z.string(),
    header: z.array(z.string()),
    dataOffset: z.number().int().min(0),
    delimiter: z.string(),
  }),
  z.object({ kind: z.literal('jsonl'), path: z.string(), total: z.number().int().min(0), name: z.string() }),
]);
export type SourceInfo = z.output<typeof SourceInfo>;

/** A raw row, or why it could not even be read as one. */
export type RawRow =
  | { ok: true; value: unknown; offset: number }
  | { ok: false; reason: string; offset: number };

/** JSON array files are parsed whole: bounded by this size. */
export const MAX_JSON_FILE_BYTES = 32 * 1024 * 1024;

/**
 * Position in the source. `offset` is what segments are measured in: the row index for row
 * sources, the byte offset for streamed files (CSV, JSON Lines), so `total` is rows or bytes.
 */
export const Cursor = z.object({ rows: z.number().int().min(0), offset: z.number().int().min(0) });
export type Cursor = z.output<typeof Cursor>;

export function startCursor(source: SourceInfo): Cursor {
  return { rows: 0, offset: source.kind === 'csv' ? source.dataOffset : 0 };
}

/** Reads rows from the cursor on. Files are streamed; nothing is read ahead of what is consumed. */
export async function* readRows(
  source: SourceInfo,
  cursor: Cursor,
  inline: readonly unknown[] | null,
): AsyncGenerator<RawRow> {
  switch (source.kind) {
    case 'inline':
    case 'json': {
      const rows = source.kind === 'inline' ? (inline ?? []) : await loadJsonArray(source.path);
      for (let i = cursor.offset; i < rows.length; i++) yield { ok: true, value: rows[i], offset: i + 1 };
      return;
    }
    case 'generate':
      for (let i = cursor.offset; i < source.total; i++)
        yield { ok: true, value: salesRow(source.seed, i), offset: i + 1 };
      return;
    case 'csv':
      for await (const record of readCsvRecords(source.path, cursor.offset, source.delimiter)) {
        if (record.fields.length !== source.header.length) {
          yield { ok: false, reason: 'wrong_column_count', offset: record.endOffset };
          continue;
        }
        const value: Record<string, string> = {};
        source.header.forEach((name, i) => {
          value[name] = record.fields[i] ?? '';
        });
        yield { ok: true, value, offset: record.endOffset };
      }
      return;
    case 'jsonl':
      for await (const line of readJsonLines(source.path, cursor.offset)) {
        yield line.value === undefined
          ? { ok: false, reason: 'invalid_json', offset: line.endOffset }
          : { ok: true, value: line.value, offset: line.endOffset };
      }
      return;
  }
}

let jsonCache: { path: string; mtimeMs: number; rows: unknown[] } | null = null;

/** Drops the parsed JSON file once the streaming pass is over, so a worker thread does not keep it. */
export function releaseJsonCache(): void {
  jsonCache = null;
}

/** A JSON array file, parsed once per process (segments of one run reuse it). */
export async function loadJsonArray(path: string): Promise<unknown[]> {
  const info = await stat(path);
  if (jsonCache && jsonCache.path === path && jsonCache.mtimeMs === info.mtimeMs) return jsonCache.rows;
  if (info.size > MAX_JSON_FILE_BYTES) {
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      `JSON files are read whole and may have at most ${MAX_JSON_FILE_BYTES} bytes; use JSON Lines (.jsonl) or CSV for larger data`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new WorkflowInputError('INVALID_PARAMS', `the file is not valid JSON: ${(error as Error).message}`);
  }
  const rows = Array.isArray(parsed)
    ? parsed
    : Array.isArray((parsed as { records?: unknown })?.records)
      ? (parsed as { records: unknown[] }).records
      : null;
  if (!rows)
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      'a JSON input file must hold an array of records (or { "records": [...] })',
    );
  jsonCache = { path, mtimeMs: info.mtimeMs, rows };
  return rows;
}
