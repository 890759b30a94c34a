import { dataProcessing } from './workflows/data-processing/index.ts';
import { demo } from './workflows/demo.ts';

/** The built-in workflows by name. */
export const builtins = {
  data_processing: dataProcessing,
  demo,
} as const;

export type BuiltinWorkflows = typeof builtins;
