export * from './common.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './health.ts';
export * from './paths.ts';
export * from './streams.ts';
export * from './tasks.ts';
export * from './workflows.ts';
