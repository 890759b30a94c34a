/** Test support for the packages that run a task system (never imported by the service itself). */
export { capturingLogger, type LogLine } from './log-capture.ts';
export { loopingWorkflow } from './looping-workflow.ts';
export { type ProcessExit, runToExit } from './run-to-exit.ts';
