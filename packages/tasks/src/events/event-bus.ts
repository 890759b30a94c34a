import { type TaskEvent, TaskEventNotification } from '@kaygraph/contracts';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import type { Executor } from '../db.ts';
import {
  readEvents,
  TASK_CANCEL_CHANNEL,
  TASK_EVENTS_CHANNEL,
  TASK_QUEUED_CHANNEL,
} from '../store/events.ts';
import { WORKFLOW_REGISTRY_CHANNEL } from '../store/registry.ts';
import { type PauseNotice, WORKFLOW_PAUSED_CHANNEL } from '../store/workflow-pauses.ts';
import { toTaskEvent } from './task-event.ts';

export interface LiveEvent {
  event: TaskEvent;
  owner: string;
  workflow: string;
}

/**
 * What a process may listen to: task events, cancel requests, queued-task wake-ups, registry changes,
 * workflows paused and resumed.
 */
export type BusChannel = 'events' | 'cancel' | 'queued' | 'registry' | 'paused';

type TaskListener = { onEvent(event: TaskEvent): void; onResync(): void };

/**
 * postgres.js queues a LISTEN for every reconnect attempt it makes while the database is away and answers
 * each, with its `onlisten`, when it is back: one burst per outage, resynced once when it has gone quiet.
 */
const RESYNC_SETTLE_MS = 200;
type FeedListener = (live: LiveEvent) => void;

/**
 * One LISTEN connection per process, fanned out in memory: task subscribers (by task id), feed subscribers
 * (every event), cancel listeners (workers) and queue wake-up listeners (dispatchers). Each channel is
 * listened to from its first listener on, so PostgreSQL sends a process only what it uses: a worker process
 * with no subscribers gets no task events (three per task), an api process no queue wake-ups. postgres.js
 * LISTENs again by itself after a reconnect and calls `onlisten`; notifications sent while disconnected are
 * lost, so task subscribers are told to resync from the table then.
 */
export class EventBus {
  readonly #sql: postgres.Sql;
  readonly #db: Executor;
  readonly #logger: Logger;
  readonly #channels: Record<BusChannel, string>;
  readonly #tasks = new Map<string, Set<TaskListener>>();
  readonly #feed = new Set<FeedListener>();
  readonly #cancel = new Set<(taskId: string) => void>();
  readonly #queued = new Set<(workflow: string) => void>();
  readonly #registry = new Set<() => void>();
  readonly #paused = new Set<(notice: PauseNotice) => void>();
  readonly #reconnect = new Set<() => void>();
  readonly #listening = new Map<BusChannel, Promise<void>>();
  readonly #registering: Promise<void>[] = [];
  #unlisten: (() => Promise<void>)[] = [];
  #closed = false;
  #resyncTimer: NodeJS.Timeout | undefined;
  readonly #reestablished = new Set<string>();

  /** `sql` holds the LISTEN connection; `db` reads events too large to be inlined. */
  constructor(sql: postgres.Sql, db: Executor, logger: Logger) {
    this.#sql = sql;
    this.#db = db;
    this.#logger = logger;
    this.#channels = {
      events: TASK_EVENTS_CHANNEL,
      cancel: TASK_CANCEL_CHANNEL,
      queued: TASK_QUEUED_CHANNEL,
      registry: WORKFLOW_REGISTRY_CHANNEL,
      paused: WORKFLOW_PAUSED_CHANNEL,
    };
  }

  /**
   * Resolves once the channel is listened to: a notification committed after that reaches its listeners.
   * Subscribing starts it; a stream that reads the table and then follows live events awaits it in between,
   * so nothing committed after the read is missed. The LISTEN is asked for once per channel: when it fails
   * (no database), postgres.js keeps the listener and LISTENs again when its connection comes back (asking
   * again would register it twice), and this resolves then.
   */
  listening(channel: BusChannel = 'events'): Promise<void> {
    let listening = this.#listening.get(channel);
    if (!listening) {
      listening = this.#listen(channel);
      this.#listening.set(channel, listening);
    }
    return listening;
  }

  /** Starts listening without waiting. */
  #startListening(channel: BusChannel): void {
    if (!this.#closed) void this.listening(channel);
  }

  #listen(channel: BusChannel): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('the event bus is closed'));
    const name = this.#channels[channel];
    const onMessage = {
      events: (payload: string) => this.#onTaskEvent(payload),
      cancel: (taskId: string) => {
        for (const listener of this.#cancel) listener(taskId);
      },
      queued: (workflow: string) => {
        for (const listener of this.#queued) listener(workflow);
      },
      registry: () => {
        for (const listener of this.#registry) listener();
      },
      paused: (payload: string) => {
        const notice = JSON.parse(payload) as PauseNotice;
        for (const listener of this.#paused) listener(notice);
      },
    }[channel];
    const established = Promise.withResolvers<void>();
    let listened = false;
    const registering = this.#sql
      .listen(name, onMessage, () => {
        if (listened) this.#resyncOnceSettled(name);
        listened = true;
        established.resolve();
      })
      .then(
        ({ unlisten }) => {
          this.#unlisten.push(unlisten);
        },
        (error: unknown) => {
          this.#logger.warn({ err: error, channel: name }, 'LISTEN failed; listening again on reconnect');
        },
      );
    this.#registering.push(registering);
    return established.promise;
  }

  #resyncOnceSettled(channel: string): void {
    this.#reestablished.add(channel);
    clearTimeout(this.#resyncTimer);
    this.#resyncTimer = setTimeout(() => {
      this.#resyncTimer = undefined;
      const channels = [...this.#reestablished];
      this.#reestablished.clear();
      if (this.#closed) return;
      this.#logger.warn({ channels }, 'LISTEN re-established; resyncing subscribers from the table');
      this.#resync();
    }, RESYNC_SETTLE_MS);
  }

  #resync(): void {
    for (const listeners of this.#tasks.values()) for (const listener of listeners) listener.onResync();
    for (const listener of this.#reconnect) listener();
  }

  #onTaskEvent(raw: string): void {
    // Subscribers come and go; the channel stays listened to once it was: no parse while nobody listens.
    if (this.#tasks.size === 0 && this.#feed.size === 0) return;
    let note: TaskEventNotification;
    try {
      note = TaskEventNotification.parse(JSON.parse(raw));
    } catch {
      this.#logger.warn({ raw }, 'unparseable task event notification');
      return;
    }
    const listeners = this.#tasks.get(note.task_id);
    if (!listeners && this.#feed.size === 0) return;
    if (note.payload === null) {
      // Too large to inline: task subscribers see the seq jump and read the table; the feed (no replay)
      // gets the stored row.
      for (const listener of listeners ?? []) listener.onResync();
      if (this.#feed.size > 0) void this.#publishStoredToFeed(note);
      return;
    }
    let event: TaskEvent;
    try {
      event = toTaskEvent({ ...note, payload: note.payload });
    } catch (error) {
      // Subscribers read the stored row instead; the feed (no replay) skips it.
      this.#logger.warn({ err: error, task_id: note.task_id, seq: note.seq }, 'unreadable task event');
      for (const listener of listeners ?? []) listener.onResync();
      return;
    }
    for (const listener of listeners ?? []) listener.onEvent(event);
    this.#publishToFeed(event, note);
  }

  #publishToFeed(event: TaskEvent, note: TaskEventNotification): void {
    if (this.#feed.size === 0) return;
    const live = { event, owner: note.owner, workflow: note.workflow };
    for (const listener of this.#feed) listener(live);
  }

  async #publishStoredToFeed(note: TaskEventNotification): Promise<void> {
    try {
      const [row] = await readEvents(this.#db, note.task_id, note.seq - 1);
      // Gone already: the result TTL removed the task's events.
      if (row?.seq !== note.seq) return;
      this.#publishToFeed(toTaskEvent(row), note);
    } catch (error) {
      this.#logger.warn(
        { err: error, task_id: note.task_id, seq: note.seq },
        'reading a large event for the feed failed',
      );
    }
  }

  /** Live events of one task; `onResync` asks the subscriber to read the table (gap or reconnect). */
  subscribeTask(taskId: string, listener: TaskListener): () => void {
    let set = this.#tasks.get(taskId);
    if (!set) {
      set = new Set();
      this.#tasks.set(taskId, set);
    }
    set.add(listener);
    this.#startListening('events');
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#tasks.delete(taskId);
    };
  }

  subscribeFeed(listener: FeedListener): () => void {
    this.#feed.add(listener);
    this.#startListening('events');
    return () => this.#feed.delete(listener);
  }

  onCancel(listener: (taskId: string) => void): () => void {
    this.#cancel.add(listener);
    this.#startListening('cancel');
    return () => this.#cancel.delete(listener);
  }

  /** A task of `workflow` became queued (committed). */
  onQueued(listener: (workflow: string) => void): () => void {
    this.#queued.add(listener);
    this.#startListening('queued');
    return () => this.#queued.delete(listener);
  }

  /** Workflow versions were registered, or workers stopped or were reaped (committed). */
  onRegistryChanged(listener: () => void): () => void {
    this.#registry.add(listener);
    this.#startListening('registry');
    return () => this.#registry.delete(listener);
  }

  /** A workflow was paused or resumed (committed). */
  onPaused(listener: (notice: PauseNotice) => void): () => void {
    this.#paused.add(listener);
    this.#startListening('paused');
    return () => this.#paused.delete(listener);
  }

  /** The LISTEN connection came back after an outage (notifications may have been missed). */
  onReconnect(listener: () => void): () => void {
    this.#reconnect.add(listener);
    return () => this.#reconnect.delete(listener);
  }

  get subscriberCount(): number {
    let count = this.#feed.size;
    for (const set of this.#tasks.values()) count += set.size;
    return count;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#resyncTimer);
    await Promise.allSettled(this.#registering);
    const unlisten = this.#unlisten;
    this.#unlisten = [];
    await Promise.allSettled(unlisten.map((fn) => fn()));
  }
}
