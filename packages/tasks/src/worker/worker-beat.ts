import { hostname } from 'node:os';
import { type Connection, connect } from '@kaygraph/db';
import type { Logger } from 'pino';
import { isConnectionLost } from '../database-errors.ts';
import { createOutageLog, type OutageLog } from '../outage-log.ts';
import type { Attempt } from '../store/claim.ts';
import { registerVersions, type WorkflowVersionRecord } from '../store/registry.ts';
import { beatWorker, registerWorker, stopWorker, type WorkerIdentity } from '../store/workers.ts';

/** After a beat failed on a lost connection, the next try comes this soon (not a whole beat later). */
const RETRY_MS = 500;

export interface WorkerBeatOptions {
  databaseUrl: string;
  /** `statement_timeout` of the beat's connection (a beat stuck behind a lock would hold up the stop). */
  statementTimeoutMs: number;
  logger: Logger;
  /** Time between beats (a third of the lease). */
  intervalMs: number;
  /** The workflow versions this worker runs: registered with the worker, served while it beats. */
  workflows: readonly WorkflowVersionRecord[];
  /** The attempts running now. */
  running(): readonly Attempt[];
  /** An attempt whose task this worker no longer owns (taken back, cancelled, claimed again). */
  onLost(attempt: Attempt): void;
}

/**
 * The worker's liveness: it registers itself and the workflow versions it serves, then beats on a connection of its own (so a beat never waits
 * behind task writes), every `intervalMs` and again every 500 ms while the connection is lost. A failed
 * beat never aborts a run; only a beat that went through and no longer lists an attempt does.
 */
export class WorkerBeat {
  readonly #options: WorkerBeatOptions;
  readonly #connection: Connection;
  readonly #worker: WorkerIdentity;
  readonly #serves: readonly { name: string; version: string }[];
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #stopped = false;
  readonly #outage: OutageLog;

  private constructor(options: WorkerBeatOptions, connection: Connection, worker: WorkerIdentity) {
    this.#options = options;
    this.#connection = connection;
    this.#worker = worker;
    this.#serves = options.workflows.map(({ name, version }) => ({ name, version }));
    this.#outage = createOutageLog(options.logger, 'worker beat', {
      msg: 'worker beat failed; trying again',
    });
  }

  static async start(options: WorkerBeatOptions): Promise<WorkerBeat> {
    const connection = connect(options.databaseUrl, {
      max: 1,
      applicationName: 'kaygraph-worker-beat',
      statementTimeoutMs: options.statementTimeoutMs,
    });
    try {
      const worker = await registerWorker(connection.db, { host: hostname(), pid: process.pid });
      await registerVersions(connection.db, options.workflows, worker.id);
      const beat = new WorkerBeat(options, connection, worker);
      beat.#schedule(options.intervalMs);
      return beat;
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** The id claims stamp on their tasks. */
  get workerId(): string {
    return this.#worker.id;
  }

  /** Beats now (the database is back: tell the monitor at once). */
  beatNow(): void {
    if (this.#stopped || this.#beating) return;
    clearTimeout(this.#timer);
    this.#beating = this.#beat().finally(() => {
      this.#beating = undefined;
    });
  }

  #schedule(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.beatNow(), ms);
  }

  async #beat(): Promise<void> {
    const attempts = [...this.#options.running()];
    try {
      const owned = await beatWorker(this.#connection.db, this.#worker, this.#serves, attempts);
      this.#outage.succeeded();
      // Attempts that ended meanwhile are no longer in running(): onLost ignores them.
      for (const attempt of attempts) if (!owned.has(attempt.taskId)) this.#options.onLost(attempt);
      this.#schedule(this.#options.intervalMs);
    } catch (error) {
      this.#outage.failed(error);
      this.#schedule(isConnectionLost(error) ? RETRY_MS : this.#options.intervalMs);
    }
  }

  /** Stops beating and marks the worker stopped (its leftover running tasks are taken back at once). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#beating;
    try {
      await stopWorker(this.#connection.db, this.#worker.id);
    } catch (error) {
      // The monitor finds the worker silent after its lease instead.
      this.#options.logger.warn({ err: error }, 'marking the worker stopped failed');
    } finally {
      await this.#connection.close();
    }
  }
}
