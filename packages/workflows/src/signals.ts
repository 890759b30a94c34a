import { type SignalWaitOptions, type Wait, waitForSignal } from '@kaygraph/graph';
import type { z } from 'zod';
import type { SignalSchemas } from './define.ts';

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
