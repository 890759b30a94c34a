import { issuesOf, type TaskError } from '@kaygraph/contracts/run-contracts';
import type { ResumeValue, WaitingState } from '@kaygraph/graph';
import type { CatalogWorkflow } from '../catalog.ts';
import { signalMismatch } from '../service/validate-signal.ts';

export type ParsedResume = { ok: true; value: ResumeValue } | { ok: false; error: TaskError };

/**
 * The resume value as the waiting node's `post` gets it: a signal's payload parsed by the workflow's zod
 * schema (transforms, coercions, defaults, unknown keys as it says), as params are before the graph runs.
 * The api checked only the JSON Schema, so a refinement may still refuse it: an INVALID_PARAMS error
 * naming the signal and the field (the same payload would be refused again: not retried).
 */
export async function parseResume(
  workflow: CatalogWorkflow,
  value: ResumeValue,
  waiting: WaitingState,
): Promise<ParsedResume> {
  if (value.kind !== 'signal') return { ok: true, value };
  const schema = workflow.signals?.[value.name];
  // Undeclared: the suspend refused such a wait, so only a change of the workflow under one version gets here.
  if (!schema) return { ok: true, value };
  const parsed = await schema.safeParseAsync(value.payload);
  if (parsed.success) return { ok: true, value: { ...value, payload: parsed.data } };
  const message = signalMismatch(workflow.name, value.name, issuesOf(parsed.error, 'payload'));
  const nodeId = waiting.frames.at(-1)?.nodeId ?? null;
  return { ok: false, error: { code: 'INVALID_PARAMS', message, node_id: nodeId } };
}
