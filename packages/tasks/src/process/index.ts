/** Helpers for a service's entry point (env parsing, ordered shutdown); the domain never uses them. */
export { useCompileCache } from './compile-cache.ts';
export { parseEnv } from './parse-env.ts';
export {
  exitOnShutdownSignals,
  type ShutdownOptions,
  type ShutdownStep,
  type ShutdownWorker,
} from './shutdown-signals.ts';
