import { DomainError, isUuid } from '@kaygraph/contracts';
import type { Caller } from '../caller.ts';
import type { Executor } from '../db.ts';
import { ARTIFACT_CHUNK_BYTES, loadArtifactHead, readArtifactSlice } from '../store/artifact-reads.ts';
import { loadVisibleTask, notFound } from '../visibility.ts';

/** An artifact opened for download: what it is now, and its bytes read as they are asked for. */
export interface ArtifactDownload {
  name: string;
  contentType: string;
  /** Bytes in the whole artifact. */
  size: number;
  /** Differs for every stored version of the artifact (fit for an ETag). */
  version: string;
  /**
   * The bytes from `start` up to `end` (exclusive; default the whole artifact) in chunks of at most
   * 1 MiB, each read from the database when the loop asks for the next: leaving the loop stops the reads.
   * Throws CONFLICT when the artifact is replaced or deleted before the last chunk, rather than go on
   * with another version's bytes.
   *
   * @example
   * for await (const chunk of download.chunks({ start: 0, end: 1024 })) out.write(chunk);
   */
  chunks(range?: { start: number; end: number }): AsyncGenerator<Buffer>;
}

/** The artifact `name` of a task the caller may see (NOT_FOUND for another owner's task or an unknown name). */
export async function openArtifact(
  executor: Executor,
  caller: Caller,
  taskId: string,
  name: string,
): Promise<ArtifactDownload> {
  if (!isUuid(taskId)) throw notFound(taskId);
  // Side by side: nothing of the artifact is returned unless the task proved visible.
  const [, head] = await Promise.all([
    loadVisibleTask(executor, caller, taskId),
    loadArtifactHead(executor, taskId, name),
  ]);
  if (!head) throw new DomainError('NOT_FOUND', `task ${taskId} has no artifact named "${name}"`);
  const { version, size } = head;
  return {
    name,
    ...head,
    async *chunks(range = { start: 0, end: size }) {
      const { start, end } = range;
      if (
        !Number.isSafeInteger(start) ||
        !Number.isSafeInteger(end) ||
        start < 0 ||
        start > end ||
        end > size
      )
        throw new DomainError(
          'BAD_REQUEST',
          `bytes ${start} to ${end} are not within the ${size} bytes of "${name}"`,
        );
      for (let offset = start; offset < end; offset += ARTIFACT_CHUNK_BYTES) {
        const length = Math.min(ARTIFACT_CHUNK_BYTES, end - offset);
        const bytes = await readArtifactSlice(executor, { taskId, name, version, offset, length });
        if (!bytes) {
          throw new DomainError(
            'CONFLICT',
            `artifact "${name}" of task ${taskId} was replaced or deleted while it was being read`,
          );
        }
        yield bytes;
      }
    },
  };
}
