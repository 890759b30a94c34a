/** Helpers for a service's entry point (env parsing, ordered shutdown); the domain never uses them. */
export { useCompileCache } from './compile-cache.ts';
export { parseEnv } from './parse-env.ts';
export { announceShutdownWaits, type ShutdownNoticeOptions } from './shutdown-notice.ts';
export { exitOnShutdownSignals, type ShutdownOptions, type ShutdownStep } from './shutdown-signals.ts';
