export type { AppRouter } from '@kaygraph/api';
export { type ClientOptions, createClient, type KayGraphClient } from './create-client.ts';
export { type SubmitAndWaitOptions, submitAndWait } from './submit-and-wait.ts';
export { isRetryable, type WatchOptions, watchTask } from './watch.ts';
