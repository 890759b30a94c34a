export type {
  AppRouter,
  BuiltinWorkflows,
  WorkflowNames,
  WorkflowParams,
  WorkflowResult,
} from '@kaygraph/api';
export { type ClientOptions, createClient, type KayGraphClient } from './create-client.ts';
export { ArtifactDownloadError, type DownloadedArtifact, downloadArtifact } from './download-artifact.ts';
export { type SubmitAndWaitOptions, submitAndWait } from './submit-and-wait.ts';
export type { AnyWorkflows, TypedSubmitInput, TypedTaskResult } from './typed-submit.ts';
export { isRetryable, type WatchOptions, watchTask } from './watch.ts';
