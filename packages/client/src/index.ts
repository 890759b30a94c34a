export { ClientClosedError } from './client-closed.ts';
export { type ClientOptions, createClient, type KayGraphClient } from './create-client.ts';
export { ArtifactDownloadError, type DownloadedArtifact, downloadArtifact } from './download-artifact.ts';
export type { AppRouter, BuiltinWorkflows } from './server-types.ts';
export { type SubmitAndWaitOptions, submitAndWait } from './submit-and-wait.ts';
export type { TypedSubmitInput, TypedSubmitOutput, TypedTaskResult } from './typed-submit.ts';
export { isRetryable, type WatchOptions, watchTask } from './watch.ts';
export type {
  AnyWorkflows,
  SignalArgs,
  SignalOptions,
  TaskIdOf,
  TypedSchema,
  WorkflowByName,
  WorkflowNames,
  WorkflowParams,
  WorkflowResult,
  WorkflowSignalName,
  WorkflowSignalPayload,
  WorkflowTypes,
} from './workflow-types.ts';
