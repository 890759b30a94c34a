import { demo } from './workflows/demo.ts';

/** The built-in workflows by name. */
export const builtins = {
  demo,
} as const;

export type BuiltinWorkflows = typeof builtins;
