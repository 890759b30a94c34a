/**
 * pg-boss queue names. Workflow names are already limited to `[A-Za-z0-9_.-]` (contracts), which is
 * exactly what pg-boss accepts, so a prefix is all a workflow queue needs. The dead-letter queue has no
 * `wf.` prefix, so no workflow name can collide with it.
 */
export const DEAD_LETTER_QUEUE = 'tasks.dead_letter';

export function workflowQueue(workflow: string): string {
  return `wf.${workflow}`;
}

/** The workflow of a queue created by `workflowQueue`, or undefined for other queues. */
export function workflowOfQueue(queue: string): string | undefined {
  return queue.startsWith('wf.') ? queue.slice(3) : undefined;
}
