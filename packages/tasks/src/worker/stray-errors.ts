import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from 'pino';

/** How a run's code raised an error outside its await chain. */
export type StrayErrorKind =
  | 'a promise rejected with no handler'
  | 'an exception thrown outside its await chain';

/** What becomes of a stray error of one run (its first one fails it). */
export type StrayErrorSink = (error: Error, kind: StrayErrorKind) => void;

const KIND_OF = {
  unhandledRejection: 'a promise rejected with no handler',
  uncaughtException: 'an exception thrown outside its await chain',
} as const satisfies Record<string, StrayErrorKind>;

type ProcessErrorEvent = keyof typeof KIND_OF;

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/**
 * Routes the stray errors of runs on this thread (a promise rejected with no handler, an exception thrown
 * in a timer), which would otherwise end the process with every run in it, to the run whose code raised
 * them: Node calls these handlers in the async context of the promise or callback. An error of no run
 * ends the process as Node's default does (logged first), unless another handler (a test runner's) takes
 * it. One per process, as the handlers are the process's: every worker in it uses it while it runs.
 */
class StrayErrorRouter {
  readonly #runs = new AsyncLocalStorage<StrayErrorSink>();
  readonly #handlers: Record<ProcessErrorEvent, (error: unknown) => void> = {
    unhandledRejection: (reason) => this.#route('unhandledRejection', reason),
    uncaughtException: (error) => this.#route('uncaughtException', error),
  };
  #users = 0;
  #logger: Logger | undefined;

  /** Installs the handlers for its first user; `logger` says what ends the process. */
  acquire(logger: Logger): void {
    if (this.#users++ > 0) return;
    this.#logger = logger;
    process.on('unhandledRejection', this.#handlers.unhandledRejection);
    process.on('uncaughtException', this.#handlers.uncaughtException);
  }

  /** Gives stray errors back to Node's handling once its last user is done. */
  release(): void {
    if (--this.#users > 0) return;
    process.off('unhandledRejection', this.#handlers.unhandledRejection);
    process.off('uncaughtException', this.#handlers.uncaughtException);
  }

  /** Runs `fn` so that the stray errors of everything it starts go to `sink`. */
  run<T>(sink: StrayErrorSink, fn: () => T): T {
    return this.#runs.run(sink, fn);
  }

  #route(event: ProcessErrorEvent, value: unknown): void {
    const error = asError(value);
    const sink = this.#runs.getStore();
    if (sink) {
      sink(error, KIND_OF[event]);
      return;
    }
    if (process.listenerCount(event) > 1) return;
    this.#logger?.fatal({ err: error }, `${KIND_OF[event]} outside any run: the process ends`);
    process.exit(1);
  }
}

export const strayErrors = new StrayErrorRouter();
