import { type SignalWaitOptions, type Wait, waitForSignal } from '@kaygraph/graph';
import type { z } from 'zod';
import type { AnyWorkflow, SignalSchemas } from './define.ts';

/**
 * Waits for a signal the workflow declares, typed by its schema: `post` receives the parsed payload.
 *
 * @example
 * const signals = { approval: z.object({ approved: z.boolean() }) };
 * override exec() { return waitForDeclared(signals, 'approval', { deadline: { seconds: 3600 } }); }
 */
export function waitForDeclared<const Sg extends SignalSchemas, K extends keyof Sg & string>(
  signals: Sg,
  name: K,
  options: SignalWaitOptions = {},
): Wait<z.output<Sg[K]>> {
  if (!Object.hasOwn(signals, name)) throw new RangeError(`no signal "${name}" is declared`);
  return waitForSignal<z.output<Sg[K]>>(name, options);
}

/** How a signal sent to a workflow's task checks against what the workflow declares. */
export type SignalCheck =
  | { ok: true; payload: unknown }
  | { ok: false; reason: 'unknown_signal'; message: string }
  | { ok: false; reason: 'invalid_payload'; issues: { path: string; message: string }[] };

/**
 * Validates a signal's payload against the workflow's declared schema (defaults applied), the one
 * check every surface (REST, tRPC, client) goes through before a signal is stored.
 */
export function checkSignal(workflow: AnyWorkflow, name: string, payload: unknown): SignalCheck {
  const signals: SignalSchemas = workflow.signals;
  const schema = Object.hasOwn(signals, name) ? signals[name] : undefined;
  if (!schema) {
    const known = Object.keys(signals);
    return {
      ok: false,
      reason: 'unknown_signal',
      message:
        known.length === 0
          ? `workflow "${workflow.name}" takes no signals`
          : `workflow "${workflow.name}" has no signal "${name}" (it has: ${known.join(', ')})`,
    };
  }
  const parsed = schema.safeParse(payload);
  if (parsed.success) return { ok: true, payload: parsed.data };
  return {
    ok: false,
    reason: 'invalid_payload',
    issues: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}
