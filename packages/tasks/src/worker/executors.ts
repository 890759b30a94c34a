import { createRequire, flushCompileCache, getCompileCacheDir } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { LogLevel, ProgressReport } from '@kaygraph/graph';
import type { Logger } from 'pino';
import { Piscina } from 'piscina';
import type { CatalogWorkflow, WorkflowCatalog } from '../catalog.ts';
import { nodeFlags } from '../process/node-flags.ts';
import { CheckpointRefusedError } from './checkpoint-refused.ts';
import {
  type FailedReport,
  type RunServicesFactory,
  runWorkflow,
  type StoredCheckpoint,
  type WorkflowRunOutcome,
  type WorkflowRunRequest,
} from './run-workflow.ts';
import { type StrayErrorSink, strayErrors } from './stray-errors.ts';
import type { MainToThread, ThreadTask, ThreadToMain } from './thread-protocol.ts';

export interface ExecutionHooks {
  onProgress(progress: ProgressReport): void;
  onLog(level: LogLevel, message: string, data?: unknown): void;
  onReportFailed(report: FailedReport, error: string): void;
  onCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /** See `WorkflowRunHooks.onAbortedIn`. */
  onAbortedIn(nodeId: string | null): void;
}

/** `terminated`: the run ignored its abort and was killed (thread) or abandoned (inline). */
export type ExecutionResult = WorkflowRunOutcome | { kind: 'terminated' };

export interface Execution {
  /** Asks the run to stop at the next node boundary (nodes may honour the signal sooner). */
  abort(reason: string): void;
  /** Ends a run that ignored `abort`: its thread is terminated and replaced by the pool. */
  terminate(): void;
  readonly result: Promise<ExecutionResult>;
}

/**
 * Young generation of each thread, in MB (1 MB semi-spaces): V8's default, 16 MB semi-spaces, stays
 * resident in every running thread. A `--max-semi-space-size` flag of the process wins over it.
 */
const THREAD_YOUNG_GENERATION_MB = 3;

// The thread entry sits beside this module: task-thread.ts in the sources, task-thread.js in a build.
const THREAD_FILE = new URL(`./task-thread${extname(new URL(import.meta.url).pathname)}`, import.meta.url)
  .href;

/**
 * Node lets a process-wide V8 heap size (`--max-old-space-size` or `--max-heap-size`, on the command line
 * or in NODE_OPTIONS) override every worker thread's own heap cap.
 */
export function threadCapsOverridden(nodeArgs: readonly string[] = nodeFlags()): boolean {
  return nodeArgs.some((arg) => /^--max[-_](old[-_]space|heap)[-_]size(=|$)/.test(arg));
}

/**
 * Loads the thread entry on this thread, so the compile cache holds it. An entry whose module graph has a
 * top-level await cannot be required (ERR_REQUIRE_ASYNC_MODULE): the warm-up may then be partial, and the
 * threads still start (piscina falls back to import()).
 */
function warmThreadEntry(): void {
  try {
    createRequire(import.meta.url)(fileURLToPath(THREAD_FILE));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error;
  }
}

/**
 * Runs tasks in a piscina pool, one task per thread at a time, each thread with its memory cap. A thread
 * that runs out of memory fails the attempt with RESOURCE_LIMIT (the pool starts a fresh thread).
 */
export class ThreadExecutor {
  readonly #pool: Piscina<ThreadTask, WorkflowRunOutcome>;
  readonly #task: Omit<ThreadTask, 'request' | 'port'>;

  constructor(options: {
    threads: number;
    memoryLimitMb: number;
    workflowsModule: string;
    databaseUrl: string;
    servicesOptions: Record<string, unknown>;
  }) {
    // With Node's compile cache on (threads inherit NODE_COMPILE_CACHE), what this thread compiled is
    // written now, so threads load those modules from it instead of compiling (and type-stripping) each.
    // Piscina requires its entry by path (a cache key of its own), so it is required here the same way.
    if (getCompileCacheDir()) {
      warmThreadEntry();
      flushCompileCache();
    }
    this.#task = {
      workflowsModule: options.workflowsModule,
      databaseUrl: options.databaseUrl,
      servicesOptions: options.servicesOptions,
    };
    this.#pool = new Piscina({
      filename: THREAD_FILE,
      minThreads: 0,
      maxThreads: Math.max(1, options.threads),
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      resourceLimits: {
        maxOldGenerationSizeMb: options.memoryLimitMb,
        maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB,
      },
    });
  }

  start(request: WorkflowRunRequest, hooks: ExecutionHooks): Execution {
    const { port1, port2 } = new MessageChannel();
    const kill = new AbortController();
    const post = (message: MainToThread) => port1.postMessage(message);
    let reportsIn: () => void = () => {};
    const allReportsIn = new Promise<void>((resolve) => {
      reportsIn = resolve;
    });
    // A thread that ends without its `end` (it exited) has nothing more to send.
    port1.once('close', () => reportsIn());
    port1.on('message', (message: ThreadToMain) => {
      if (message.type === 'end') reportsIn();
      else if (message.type === 'progress') hooks.onProgress(message.progress);
      else if (message.type === 'log') hooks.onLog(message.level, message.message, message.data);
      else if (message.type === 'report-failed') hooks.onReportFailed(message.report, message.error);
      else if (message.type === 'aborted-in') hooks.onAbortedIn(message.nodeId);
      else {
        hooks.onCheckpoint(message.checkpoint).then(
          () => post({ type: 'ack', id: message.id, ok: true }),
          (error: unknown) =>
            post({
              type: 'ack',
              id: message.id,
              ok: false,
              ...(error instanceof CheckpointRefusedError ? { refused: error.message } : {}),
            }),
        );
      }
    });
    const result: Promise<ExecutionResult> = this.#pool
      .run({ ...this.#task, request, port: port2 }, { transferList: [port2], signal: kill.signal })
      .then(
        // The outcome arrives by the pool, the reports by the port: the last reports may still be on their way.
        async (outcome): Promise<ExecutionResult> => {
          await allReportsIn;
          return outcome;
        },
        (error: unknown): ExecutionResult => {
          if (kill.signal.aborted) return { kind: 'terminated' };
          const err = error instanceof Error ? error : new Error(String(error));
          const outOfMemory = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
          return {
            kind: 'failed',
            error: {
              code: outOfMemory ? 'RESOURCE_LIMIT' : 'WORKFLOW_ERROR',
              message: outOfMemory ? `the task exceeded its memory limit: ${err.message}` : err.message,
              stack: err.stack ?? null,
            },
            retriable: true,
            metrics: null,
          };
        },
      )
      .finally(() => port1.close());
    return {
      abort: (reason) => post({ type: 'abort', reason }),
      terminate: () => kill.abort(),
      result,
    };
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

/** Whether a run goes to the main thread; a per-run decision that throws sends it to a thread. */
export function runsInline(workflow: CatalogWorkflow, params: unknown): boolean {
  if (typeof workflow.inline !== 'function') return workflow.inline === true;
  try {
    return workflow.inline(params);
  } catch {
    return false;
  }
}

/**
 * Runs the runs of `inline` workflows on the main thread (pure I/O: no thread hop). A run's stray error (a
 * promise rejected with no handler, an exception thrown in a timer) fails that run, as it would fail a
 * thread's, and the worker goes on; one raised after its run ended is logged.
 */
export class InlineExecutor {
  readonly #catalog: WorkflowCatalog;
  readonly #services: RunServicesFactory;
  readonly #logger: Logger;
  #closed = false;

  constructor(catalog: WorkflowCatalog, services: RunServicesFactory, logger: Logger) {
    this.#catalog = catalog;
    this.#services = services;
    this.#logger = logger;
    strayErrors.acquire(logger);
  }

  start(request: WorkflowRunRequest, hooks: ExecutionHooks): Execution {
    const controller = new AbortController();
    // The first of: the run's outcome, its first stray error, its termination. One promise settled by
    // whichever comes first (no race of two): a drain runs thousands of these a second.
    let settled = false;
    let settle: (result: ExecutionResult) => void = () => {};
    let fail: (error: unknown) => void = () => {};
    const result = new Promise<ExecutionResult>((resolve, reject) => {
      settle = (value) => {
        if (settled) return;
        settled = true;
        resolve(value);
      };
      fail = (error) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
    });
    const onStrayError: StrayErrorSink = (error, kind) => {
      if (settled) {
        this.#logger.error({ err: error, task_id: request.taskId }, `${kind} in a run that had ended`);
        return;
      }
      settle({
        kind: 'failed',
        error: { code: 'WORKFLOW_ERROR', message: `${kind}: ${error.message}`, stack: error.stack ?? null },
        retriable: true,
        metrics: null,
      });
      // Its nodes stop at the next boundary; what it writes meanwhile is fenced off by the failed attempt.
      controller.abort('stray error');
    };
    strayErrors
      .run(onStrayError, () =>
        runWorkflow(this.#catalog, request, { signal: controller.signal, ...hooks }, this.#services),
      )
      .then(settle, fail);
    return {
      abort: (reason) => controller.abort(reason),
      // A main-thread run cannot be killed; the attempt is given up and its late writes are fenced off.
      terminate: () => settle({ kind: 'terminated' }),
      result,
    };
  }

  /** Its runs' stray errors go back to Node's handling, once no other worker of the process runs. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    strayErrors.release();
  }
}
