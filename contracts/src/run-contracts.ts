/**
 * `@kaygraph/contracts/run-contracts`: the contracts a task's run needs (tasks, waits, workflows, errors,
 * node metrics, index names), without the API's other schemas. Worker threads load only these: every
 * schema module costs each thread its memory.
 */
export * from './common.ts';
export * from './errors.ts';
export * from './node-metrics.ts';
export * from './search.ts';
export * from './tasks.ts';
export * from './waits.ts';
export * from './workflows.ts';
