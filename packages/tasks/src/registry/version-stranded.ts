import type { StrandedVersion } from '../store/registry.ts';

/**
 * What a worker says when it starts beside tasks of another version of its workflow that no live worker
 * runs (a deploy that stopped the old workers while tasks were queued): they wait until moved.
 */
export function strandedVersionMessage(stranded: StrandedVersion): string {
  const tasks = stranded.tasks === 1 ? '1 task' : `${stranded.tasks} tasks`;
  return (
    `${tasks} of workflow "${stranded.name}" wait for version "${stranded.version}", which no live worker ` +
    `runs (this worker runs "${stranded.served}"): start a worker of that version, or move them with ` +
    `\`kaygraph workflows move-tasks ${stranded.name} ${stranded.version}\``
  );
}
