import { taskArtifacts } from '@kaygraph/db';
import type postgres from 'postgres';
import type { Transaction } from '../db.ts';

/** One file a task produced, as stored. */
export interface ArtifactContent {
  name: string;
  contentType: string;
  content: Buffer;
}

/**
 * Stores an artifact a running task puts through its workflow's services, on the postgres.js client of
 * the thread it runs on (raw SQL with explicit casts, so any client works). Putting a name again replaces
 * the artifact.
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

/**
 * Stores the artifacts completed runs returned with their results, in their outcome's transaction. An
 * artifact the run already put under the same name is kept.
 */
export async function insertResultArtifacts(
  tx: Transaction,
  artifacts: readonly (ArtifactContent & { taskId: string })[],
): Promise<void> {
  if (artifacts.length === 0) return;
  await tx
    .insert(taskArtifacts)
    .values(artifacts.map((artifact) => ({ ...artifact, size: artifact.content.length })))
    .onConflictDoNothing();
}
