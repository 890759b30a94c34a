import { type SQL, sql } from 'drizzle-orm';
import { type Executor, rowsOf } from '../db.ts';

/**
 * The bytes a download reads per statement. With content stored uncompressed (migration 0016) a slice
 * costs what it holds, so this only sets the round trips per artifact and the memory each download holds.
 */
export const ARTIFACT_CHUNK_BYTES = 1024 * 1024;

/** What a download needs before its first byte. */
export interface ArtifactHead {
  contentType: string;
  size: number;
  /** Differs for every stored version of the artifact (a replacement, a delete and a new put). */
  version: string;
}

/**
 * The row version: every write of a row gives it a new xmin (PostgreSQL's system column), and created_at
 * (set by each put) keeps a value apart from one of the same xmin after transaction ids wrap around.
 */
const VERSION: SQL = sql`xmin::text || '.' || to_char(created_at at time zone 'UTC', 'YYYYMMDDHH24MISSUS')`;

/** The artifact's type, size and version, or undefined when the task has none of that name. */
export async function loadArtifactHead(
  executor: Executor,
  taskId: string,
  name: string,
): Promise<ArtifactHead | undefined> {
  const [row] = rowsOf<{ content_type: string; size: number; version: string }>(
    await executor.execute(sql`
      select content_type, size, ${VERSION} as version
      from task_artifacts where task_id = ${taskId}::uuid and name = ${name}`),
  );
  return row ? { contentType: row.content_type, size: row.size, version: row.version } : undefined;
}

/**
 * `length` bytes of the artifact from byte `offset` (0-based), or undefined when that version of it is
 * gone (replaced or deleted): a download that went on would mix two versions.
 */
export async function readArtifactSlice(
  executor: Executor,
  slice: { taskId: string; name: string; version: string; offset: number; length: number },
): Promise<Buffer | undefined> {
  const [row] = rowsOf<{ bytes: Uint8Array }>(
    await executor.execute(sql`
      select substring(content from ${slice.offset + 1}::int for ${slice.length}::int) as bytes
      from task_artifacts
      where task_id = ${slice.taskId}::uuid and name = ${slice.name} and ${VERSION} = ${slice.version}`),
  );
  return row ? Buffer.from(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength) : undefined;
}
