/**
 * Storing a running task's artifacts, for code that holds only a postgres.js client (a workflow's services
 * in a worker thread).
 *
 * @example
 * await putArtifact(sql, taskId, { name: 'report.csv', contentType: 'text/csv', content: Buffer.from(csv) });
 */
export {
  type ArtifactContent,
  ArtifactTooLargeError,
  MAX_ARTIFACT_BYTES,
  putArtifact,
} from '../store/artifacts.ts';
