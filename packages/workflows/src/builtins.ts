import { dataProcessing } from './workflows/data-processing/index.ts';
import { demo } from './workflows/demo.ts';
import { documentIndexing } from './workflows/document-indexing/index.ts';

/** The built-in workflows by name. */
export const builtins = {
  data_processing: dataProcessing,
  demo,
  document_indexing: documentIndexing,
} as const;

export type BuiltinWorkflows = typeof builtins;
