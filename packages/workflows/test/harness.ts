import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import { postgresServices } from '../src/services/postgres.ts';
import type { WorkflowServices } from '../src/services/types.ts';

/**
 * A migrated test database, a data directory and services bound to a real task row: what the
 * task runtime gives a workflow, without the queue.
 */
export async function createHarness() {
  const database = await createTestDatabase();
  const connection = connect(database.url, { max: 3 });
  const dataDir = await mkdtemp(join(tmpdir(), 'kg-workflow-data-'));
  return {
    databaseUrl: database.url,
    sql: connection.sql,
    dataDir,
    /** Inserts a running task of this owner and returns services bound to it. */
    async servicesForTask(
      workflow: string,
      owner = 'tester',
    ): Promise<WorkflowServices & { taskId: string }> {
      const [row] = await connection.sql<{ id: string }[]>`
        insert into tasks (owner, workflow, status, max_retries, timeout_seconds, started_at)
        values (${owner}, ${workflow}, 'running', 3, 3600, now()) returning id`;
      if (!row) throw new Error('no task row');
      return { ...postgresServices(connection.sql, { owner, taskId: row.id, dataDir }), taskId: row.id };
    },
    async artifact(taskId: string, name: string): Promise<{ contentType: string; text: string } | undefined> {
      const [row] = await connection.sql<{ content_type: string; content: Buffer }[]>`
        select content_type, content from task_artifacts where task_id = ${taskId}::uuid and name = ${name}`;
      return row ? { contentType: row.content_type, text: row.content.toString('utf8') } : undefined;
    },
    async [Symbol.asyncDispose]() {
      await connection.close();
      await rm(dataDir, { recursive: true, force: true });
      await database[Symbol.asyncDispose]();
    },
  };
}

export type Harness = Awaited<ReturnType<typeof createHarness>>;
