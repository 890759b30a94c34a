export { ClientClosedError } from './client-closed.ts';
export { type ClientOptions, createClient, type KayGraphClient } from './create-client.ts';
export {
  ArtifactDownloadError,
  type ArtifactStream,
  type ArtifactStreamOptions,
  type DownloadedArtifact,
  downloadArtifact,
  streamArtifact,
} from './download-artifact.ts';
export type { AppRouter, BuiltinWorkflows } from './server-types.ts';
export { type SubmitAndWaitOptions, submitAndWait, waitForTask } from './submit-and-wait.ts';
export type {
  TypedGroupsProcedures,
  TypedResultQuery,
  TypedSchedulesProcedures,
  TypedTasksProcedures,
} from './typed-procedures.ts';
export type {
  TypedGroupTask,
  TypedGroupView,
  TypedTaskResult,
  TypedTaskView,
  WithTypedResult,
} from './typed-results.ts';
export type {
  TypedSubmitInput,
  TypedSubmitInputs,
  TypedSubmitOutput,
  TypedSubmitOutputs,
  WithTypedParams,
} from './typed-submit.ts';
export { isRetryable, type WatchOptions, watchTask } from './watch.ts';
export type {
  AnyWorkflows,
  SignalArgs,
  SignalOptions,
  TaskIdOf,
  TypedSchema,
  WorkflowByName,
  WorkflowNames,
  WorkflowNamesOf,
  WorkflowParams,
  WorkflowResult,
  WorkflowSignalName,
  WorkflowSignalPayload,
  WorkflowTypes,
} from './workflow-types.ts';
