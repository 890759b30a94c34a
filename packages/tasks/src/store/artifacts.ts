import type postgres from 'postgres';

/** One file a task produced, as stored. */
export interface ArtifactContent {
  name: string;
  contentType: string;
  content: Buffer;
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
  await sql`
    insert into task_artifacts (task_id, name, content_type, size, content)
    values (${taskId}::uuid, ${artifact.name}, ${artifact.contentType}, ${artifact.content.length}, ${artifact.content})
    on conflict (task_id, name) do update
      set content_type = excluded.content_type, size = excluded.size, content = excluded.content, created_at = now()`;
}
