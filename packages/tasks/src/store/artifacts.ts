import type postgres from 'postgres';

/** One file a task produced, as stored. */
export interface ArtifactContent {
  name: string;
  contentType: string;
  content: Buffer;
}

/**
 * The largest artifact stored (255 MiB). Its bytes travel to PostgreSQL as one hex string, two characters a
 * byte, and V8's strings end at 512 MiB characters: a larger one would fail with V8's own message.
 */
export const MAX_ARTIFACT_BYTES = 255 * 1024 * 1024;

/** An artifact over MAX_ARTIFACT_BYTES: not retried (the same bytes are refused again). */
export class ArtifactTooLargeError extends Error {
  readonly retriable = false;

  constructor(name: string, size: number) {
    super(
      `artifact "${name}" is ${size.toLocaleString('en-US')} bytes; an artifact is at most ` +
        `${MAX_ARTIFACT_BYTES.toLocaleString('en-US')} bytes (255 MiB): split it into several`,
    );
    this.name = 'ArtifactTooLargeError';
  }
}

/** Throws ArtifactTooLargeError for content over MAX_ARTIFACT_BYTES. */
export function checkArtifactSize(name: string, size: number): void {
  if (size > MAX_ARTIFACT_BYTES) throw new ArtifactTooLargeError(name, size);
}

/**
 * Stores an artifact a running task puts through its workflow's services, on the postgres.js client of
 * the thread it runs on (raw SQL with explicit casts, so any client works; this module loads nothing else,
 * as a thread should). Putting a name again replaces the artifact. The artifacts a run returns with its
 * result are stored with its outcome (finish.ts).
 */
export async function putArtifact(
  sql: postgres.Sql,
  taskId: string,
  artifact: ArtifactContent,
): Promise<void> {
  checkArtifactSize(artifact.name, artifact.content.length);
  await sql`
    insert into task_artifacts (task_id, name, content_type, size, content)
    values (${taskId}::uuid, ${artifact.name}, ${artifact.contentType}, ${artifact.content.length}, ${artifact.content})
    on conflict (task_id, name) do update
      set content_type = excluded.content_type, size = excluded.size, content = excluded.content, created_at = now()`;
}
