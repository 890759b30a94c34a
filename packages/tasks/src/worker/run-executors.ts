import type { Logger } from 'pino';
import type { WorkflowsModule } from '../catalog.ts';
import type { TaskContext } from '../context.ts';
import { InlineExecutor, ThreadExecutor, threadCapsOverridden } from './executors.ts';
import { servicesFactoryOf } from './load-workflows-module.ts';
import type { WorkerOptions } from './runtime.ts';

/** Old-space cap of a worker thread when none is given (a run over it fails with RESOURCE_LIMIT). */
const DEFAULT_THREAD_MEMORY_MB = 512;

export type RunExecutorsOptions = Pick<
  WorkerOptions,
  'concurrency' | 'workflowsModule' | 'memoryLimitMb' | 'servicesOptions'
>;

/** Where a worker's runs execute: a pool of worker threads, and this thread for inline workflows. */
export function createRunExecutors(
  ctx: TaskContext,
  module: WorkflowsModule,
  options: RunExecutorsOptions,
  logger: Logger,
): { threads: ThreadExecutor; inline: InlineExecutor } {
  const servicesOptions = options.servicesOptions ?? {};
  const memoryLimitMb = options.memoryLimitMb ?? DEFAULT_THREAD_MEMORY_MB;
  if (threadCapsOverridden()) {
    logger.warn(
      { memoryLimitMb },
      'this process runs with a V8 heap size flag (--max-old-space-size), which Node lets override the memory cap of every worker thread',
    );
  }
  const threads = new ThreadExecutor({
    threads: options.concurrency,
    workflowsModule: options.workflowsModule,
    databaseUrl: ctx.databaseUrl,
    servicesOptions,
    memoryLimitMb,
  });
  // Inline runs run here, with the module's services created on this thread.
  const hasInline = module.catalog.list().some((workflow) => workflow.inline);
  const services = hasInline
    ? servicesFactoryOf(module, { ...servicesOptions, databaseUrl: ctx.databaseUrl })
    : undefined;
  return { threads, inline: new InlineExecutor(module.catalog, services, logger) };
}
