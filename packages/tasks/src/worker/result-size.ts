import type { TaskError } from '@kaygraph/contracts/run-contracts';

const MIB = 1024 * 1024;

/** MAX_RESULT_BYTES when unset: 10 MiB, Trigger.dev's output limit. */
export const DEFAULT_MAX_RESULT_BYTES = 10 * MIB;

/**
 * The highest MAX_RESULT_BYTES accepted, so the limit, not the database, is what refuses a result: jsonb can
 * be several times the JSON text (about 6x for an array of small numbers; a 46 MB one fails to store).
 */
export const MAX_RESULT_BYTES_CEILING = 32 * MIB;

/** The size a result is measured by: its JSON text in UTF-8, as it is stored and served. */
export function resultBytes(json: string): number {
  return Buffer.byteLength(json, 'utf8');
}

/**
 * The error of a result over `limit` bytes (null: it fits). Not retried: the same run returns the same
 * result. The way out is an artifact, which is stored apart and downloaded in ranges.
 */
export function resultTooLarge(bytes: number, limit: number): TaskError | null {
  if (bytes <= limit) return null;
  const count = (n: number) => n.toLocaleString('en-US');
  return {
    code: 'RESULT_TOO_LARGE',
    message:
      `the task's result is ${count(bytes)} bytes of JSON, over the limit of ${count(limit)} bytes ` +
      '(MAX_RESULT_BYTES): return a large output as an artifact (shared.artifacts, or the artifacts ' +
      'service) and keep the result to what refers to it',
  };
}
