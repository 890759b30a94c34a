/** Helpers for a service's entry point (env parsing, ordered shutdown); the domain never uses them. */
export { useCompileCache } from './compile-cache.ts';
export { DataDirError, DEFAULT_DATA_DIR, readableDataDir, writableDataDir } from './data-dir.ts';
export { postgresUrl } from './database-url.ts';
export { type MisspeltSetting, misspeltSettings } from './misspelt-settings.ts';
export { InvalidEnvironmentError, parseEnv } from './parse-env.ts';
export { stopNowMessage, waitForTasksMessage } from './shutdown-notice.ts';
export {
  exitOnShutdownSignals,
  type ShutdownOptions,
  type ShutdownSequence,
  type ShutdownStep,
  type ShutdownTargets,
  type ShutdownWorker,
} from './shutdown-signals.ts';
export { exitOnStartFailure, explainStartFailure } from './start-failure.ts';
export { taskSystemSettings, type WorkerSettings, WorkerSettingsEnv, workerSettings } from './worker-env.ts';
