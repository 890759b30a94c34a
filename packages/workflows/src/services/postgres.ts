import { putArtifact } from '@kaygraph/tasks/artifacts';
import postgres from 'postgres';
import type { CreateServicesOptions, RunServicesFor } from './create-services.ts';
import { createPostgresDocumentStore } from './postgres-documents.ts';
import { createPostgresTaskStats } from './postgres-task-stats.ts';
import type { ArtifactStore, WorkflowServices } from './types.ts';

export interface PostgresServicesOptions {
  owner: string;
  taskId: string | null;
  dataDir: string | null;
}

/**
 * WorkflowServices on a postgres.js client the caller owns (one pool per worker thread, shared by
 * its tasks). Only raw SQL with explicit casts is used, so a client that drizzle configured works too.
 *
 * @example
 * const services = postgresServices(sql, { owner: task.owner, taskId: task.id, dataDir: env.DATA_DIR });
 * await graph.run({}, { signal, params: { services } });
 */
export function postgresServices(sql: postgres.Sql, options: PostgresServicesOptions): WorkflowServices {
  return {
    owner: options.owner,
    taskId: options.taskId,
    dataDir: options.dataDir,
    artifacts: createPostgresArtifactStore(sql, options.taskId),
    documents: createPostgresDocumentStore(sql, { owner: options.owner, taskId: options.taskId }),
    tasks: createPostgresTaskStats(sql, options.owner),
  };
}

export interface CreatePostgresServicesOptions extends PostgresServicesOptions {
  databaseUrl: string;
  /** Pool size (default 2: workflows write in sequence). */
  max?: number;
}

/**
 * WorkflowServices with their own small pool, for code that has only a database URL (a worker
 * thread, a script). Dispose or `close()` it when the run ends.
 */
export function createPostgresServices(
  options: CreatePostgresServicesOptions,
): WorkflowServices & AsyncDisposable & { close(): Promise<void> } {
  const sql = postgres(options.databaseUrl, {
    max: options.max ?? 2,
    onnotice: () => {},
    connection: { application_name: 'kaygraph-workflows' },
  });
  const close = () => sql.end({ timeout: 5 });
  return { ...postgresServices(sql, options), close, [Symbol.asyncDispose]: close };
}

/**
 * Services per run on one small pool (what `createServices` builds on a run's first use of a store).
 * Idle connections close by themselves.
 */
export function pooledServices(options: CreateServicesOptions): RunServicesFor {
  const sql = postgres(options.databaseUrl, {
    max: typeof options.poolSize === 'number' ? options.poolSize : 3,
    idle_timeout: 20,
    onnotice: () => {},
    connection: { application_name: 'kaygraph-workflows' },
  });
  const dataDir = typeof options.dataDir === 'string' ? options.dataDir : null;
  return (run) => postgresServices(sql, { owner: run.owner, taskId: run.taskId, dataDir });
}

function createPostgresArtifactStore(sql: postgres.Sql, taskId: string | null): ArtifactStore {
  return {
    async put(name, contentType, content) {
      if (taskId === null) throw new Error(`artifact "${name}" needs a running task to belong to`);
      const bytes = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      await putArtifact(sql, taskId, { name, contentType, content: bytes });
      return { name, content_type: contentType, size: bytes.length };
    },
  };
}
