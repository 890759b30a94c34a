import { issuesInLine, issuesOf, type TaskError } from '@kaygraph/contracts/run-contracts';
import type { UnwiredEnd } from '@kaygraph/graph';
import type { ZodType } from 'zod';

/**
 * The error of a result the workflow's result schema refuses (null: it fits). A graph that ended on an
 * action without an edge likely never reached the node that sets the result: the error says where it ended.
 */
export function resultMismatch(
  schema: ZodType,
  result: unknown,
  unwiredEnd: UnwiredEnd | null,
): TaskError | null {
  const checked = schema.safeParse(result);
  if (checked.success) return null;
  const mismatch = `the workflow's result schema: ${issuesInLine(issuesOf(checked.error, 'result'))}`;
  if (!unwiredEnd) return { code: 'WORKFLOW_ERROR', message: `result does not match ${mismatch}` };
  const { nodeId, action } = unwiredEnd;
  return {
    code: 'WORKFLOW_ERROR',
    message: `graph ended at node "${nodeId}" on action "${action}", which has no edge; its result does not match ${mismatch}`,
    node_id: nodeId,
  };
}
