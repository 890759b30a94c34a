import type { EmbeddedPostgresLogger } from './logger.ts';
import { type RunningPostmaster, stopPostmaster } from './postmaster.ts';

/** `running`; `restarting` after the server died; `stopped` by stop(); `failed` when restarts gave up. */
export type EmbeddedPostgresState = 'running' | 'restarting' | 'stopped' | 'failed';

/** Waits before each restart of one outage; when they are used up the server has failed. */
const RESTART_DELAYS_MS = [100, 1_000, 5_000];
/** A server that ran this long before dying starts a new outage with the full set of restarts. */
const STABLE_AFTER_MS = 60_000;

/**
 * Keeps an embedded server up: when the postmaster dies without stop() (killed, out of memory, a
 * second starter stopping it), it is restarted on the same port, so pools reconnect to the same URL.
 * When the restarts fail, `failed` resolves and the owner decides (the api exits non-zero).
 */
export class PostmasterSupervisor {
  #server: RunningPostmaster;
  #state: EmbeddedPostgresState = 'running';
  #startedAt = Date.now();
  #stopRequested = false;
  /** Restarts used in the current outage. */
  #attempts = 0;
  #restarting: Promise<void> | undefined;
  #listeners = new Set<(state: EmbeddedPostgresState) => void>();
  #fail: (error: Error) => void = () => {};
  /** Resolves (never rejects) with the reason once the server is down for good. */
  readonly failed = new Promise<Error>((resolve) => {
    this.#fail = resolve;
  });

  readonly #restart: () => Promise<RunningPostmaster>;
  readonly #giveUp: () => Promise<void>;
  readonly #logger: EmbeddedPostgresLogger;

  /** `giveUp` runs (the data dir's claim is dropped) before the state becomes `failed`. */
  constructor(
    first: RunningPostmaster,
    hooks: { restart: () => Promise<RunningPostmaster>; giveUp: () => Promise<void> },
    logger: EmbeddedPostgresLogger,
  ) {
    this.#restart = hooks.restart;
    this.#giveUp = hooks.giveUp;
    this.#logger = logger;
    this.#server = first;
    this.#watch(first);
  }

  get pid(): number {
    return this.#server.pid;
  }

  get state(): EmbeddedPostgresState {
    return this.#state;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: EmbeddedPostgresState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async stop(): Promise<void> {
    this.#stopRequested = true;
    await this.#restarting;
    if (this.#state === 'running') await stopPostmaster(this.#server, this.#logger);
    if (this.#state !== 'failed') this.#setState('stopped');
  }

  /** Sends the fast-shutdown signal without waiting: for a process that exits now and cannot await stop(). */
  signalStop(): void {
    this.#stopRequested = true;
    const { child } = this.#server;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  }

  #watch(server: RunningPostmaster): void {
    void server.exited.then(() => {
      if (this.#stopRequested || server !== this.#server) return;
      this.#restarting = this.#restartAfterCrash(server);
    });
  }

  async #restartAfterCrash(dead: RunningPostmaster): Promise<void> {
    const ranMs = Date.now() - this.#startedAt;
    this.#logger.warn(
      { pid: dead.pid, exit: dead.child.exitCode ?? dead.child.signalCode, ranMs },
      'embedded PostgreSQL exited unexpectedly: restarting it',
    );
    this.#setState('restarting');
    // A server that dies soon after a restart continues the same outage: a crash loop ends in `failed`.
    if (ranMs >= STABLE_AFTER_MS) this.#attempts = 0;
    let lastError: unknown = 'it kept exiting soon after each restart';
    while (this.#attempts < RESTART_DELAYS_MS.length) {
      const delayMs = RESTART_DELAYS_MS[this.#attempts] ?? 0;
      this.#attempts += 1;
      await new Promise((done) => setTimeout(done, delayMs));
      if (this.#stopRequested) break;
      try {
        const server = await this.#restart();
        this.#server = server;
        this.#startedAt = Date.now();
        if (this.#stopRequested) {
          await stopPostmaster(server, this.#logger);
          return;
        }
        this.#logger.info({ pid: server.pid, port: server.port }, 'embedded PostgreSQL restarted');
        this.#setState('running');
        this.#watch(server);
        return;
      } catch (error) {
        lastError = error;
        this.#logger.warn({ err: error }, 'restarting the embedded PostgreSQL failed');
      }
    }
    if (this.#stopRequested) return;
    const reason = new Error(`The embedded PostgreSQL died and could not be restarted: ${String(lastError)}`);
    await this.#giveUp().catch(() => {});
    this.#setState('failed');
    this.#fail(reason);
  }

  #setState(state: EmbeddedPostgresState): void {
    this.#state = state;
    for (const listener of this.#listeners) listener(state);
  }
}
