import type { SearchHit } from '@kaygraph/contracts';
import type { TaskWindowStats } from '@kaygraph/tasks/stats';

export type { SearchHit };

/**
 * What workflows need from the outside world: somewhere to store artifacts, the document index
 * and task statistics. The task runtime hands an implementation to the graph as the run param
 * `services` (`graph.run(shared, { params: { services } })`); `createPostgresServices` is the
 * PostgreSQL-backed one and can be created inside a worker thread from a database URL.
 */
export interface WorkflowServices {
  /** The task's owner: documents and statistics are scoped to it. */
  owner: string;
  /** The running task, or null outside the task runtime (artifacts then cannot be stored). */
  taskId: string | null;
  /** Root of the files that workflows may read (`input: 'sales.csv'`); null: no file access. */
  dataDir: string | null;
  artifacts: ArtifactStore;
  documents: DocumentStore;
  tasks: TaskStatsSource;
}

export interface StoredArtifact {
  name: string;
  content_type: string;
  size: number;
}

export interface ArtifactStore {
  /** Stores (or replaces) an artifact of the running task. */
  put(name: string, contentType: string, content: Uint8Array): Promise<StoredArtifact>;
}

export interface ChunkToIndex {
  chunkNo: number;
  content: string;
  embedding: number[];
}

export interface DocumentStore {
  /**
   * Replaces every chunk of `document` in the index with these, in one transaction; an abort of
   * `signal` between insert batches rolls it back (the earlier version stays).
   */
  replaceDocument(
    index: string,
    document: string,
    chunks: readonly ChunkToIndex[],
    signal?: AbortSignal,
  ): Promise<{ removed: number }>;
  /** Refreshes the planner statistics of the chunk table, so searches use the GIN index well after bulk writes. */
  analyze(): Promise<void>;
  /** Size of the full-text index of an index: chunks and distinct lexemes. */
  fullTextStats(index: string): Promise<{ chunks: number; documents: number; lexemes: number }>;
  /** Top-k chunks for a query, by a blend of vector similarity and full-text rank. */
  search(index: string, query: string, k: number): Promise<SearchHit[]>;
}

export interface TaskWindow {
  from: Date;
  to: Date;
}

export type { DurationStats, TaskWindowStats } from '@kaygraph/tasks/stats';

export interface TaskStatsSource {
  /** Statistics over the owner's tasks created in the window. */
  stats(window: TaskWindow): Promise<TaskWindowStats>;
}
