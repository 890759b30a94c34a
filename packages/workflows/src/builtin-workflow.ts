import type { AnyWorkflow } from './define.ts';

/**
 * Marks one of the service's built-in workflows where it is defined, so every way it is exported
 * (`catalog`, `builtins`, `dataProcessing` picked alone) registers as built-in: a worker of an app's own
 * workflows then refuses to take its names unawares, and one serving the built-ins starts.
 */
export function builtinWorkflow<W extends AnyWorkflow>(workflow: W): W {
  return { ...workflow, builtin: true };
}
