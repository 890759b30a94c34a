import type { TaskEvent, TaskStatus, TaskSummary, TaskView } from '@kaygraph/contracts';
import type { DashboardApi, Unsubscribe } from './api.ts';
import { FINISHED_RETENTION_MS, TaskStore } from './task-store.ts';

export type ConnectionState =
  | { state: 'connecting'; reconnecting: boolean }
  | { state: 'live'; since: number }
  /** The feed is connected but the api cannot reach its database: nothing changes here until it can. */
  | { state: 'degraded'; message: string }
  | { state: 'error'; message: string; code: string | null };

const DATABASE_UNREACHABLE = 'the api cannot reach its database';

/** Statuses that count as "in the queue or running"; each is fetched in full up to the cap. */
const ACTIVE_STATUSES: readonly TaskStatus[] = [
  'running',
  'waiting',
  'queued',
  'blocked',
  'scheduled',
  'pending',
];
const PAGE_SIZE = 200;
const MAX_ACTIVE_PAGES = 5;
const MAX_HISTORY_PAGES = 5;

/**
 * Keeps a TaskStore current: one `tasks.feed` subscription; on every (re)start of it a fresh
 * snapshot from `tasks.list` (the feed has no replay, so a reconnect must re-read the state).
 * Tasks the feed mentions that the store does not know yet (just submitted) are fetched once.
 */
export class LiveTasks {
  readonly store = new TaskStore();
  readonly #api: DashboardApi;
  /** Tasks being fetched, with the events that arrived for them meanwhile (applied after). */
  readonly #fetching = new Map<string, TaskEvent[]>();
  readonly #connectionListeners = new Set<() => void>();
  #connection: ConnectionState = { state: 'connecting', reconnecting: false };
  #unsubscribe: Unsubscribe | null = null;
  #pruneTimer: ReturnType<typeof setInterval> | null = null;
  #truncated: ReadonlySet<TaskStatus> = new Set();
  #lastPageCursors = new Map<TaskStatus, string | undefined>();
  #loaded = false;
  /** The api said (`tasks.feedState`) it cannot hear its database, and has not said it is back. */
  #databaseLost = false;
  #unsubscribeState: Unsubscribe | null = null;

  constructor(api: DashboardApi) {
    this.#api = api;
  }

  get connection(): ConnectionState {
    return this.#connection;
  }

  /** False until the first snapshot arrived: until then a count of 0 would be a guess. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /**
   * Statuses whose listing in the last snapshot hit its page cap: the store holds only the newest of
   * them, so a count of those is a lower bound. Every other status was read in full.
   */
  get truncatedStatuses(): ReadonlySet<TaskStatus> {
    return this.#truncated;
  }

  /**
   * Where to read `tasks.list` of `status` on from, past what the snapshot holds: the cursor of the
   * snapshot's last page (undefined: the first page). That page is read again because the store may
   * have pruned some of its tasks since (those that finished over an hour ago).
   */
  resumeCursor(status: TaskStatus): string | undefined {
    return this.#lastPageCursors.get(status);
  }

  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#api.feed({
      onStarted: () => {
        this.#setConnection(this.#liveOrDegraded());
        this.refresh().catch((error: unknown) => this.#setConnection(this.#errorState(error)));
      },
      onData: (event) => {
        const waiting = this.#fetching.get(event.task_id);
        if (waiting) waiting.push(event);
        else if (!this.store.apply(event)) this.#fetchUnknown(event);
      },
      onReconnecting: () => {
        // The first connect also passes through "connecting"; only a lost one is news.
        if (this.#connection.state === 'live' || this.#connection.state === 'degraded')
          this.#setConnection({ state: 'connecting', reconnecting: true });
      },
      onError: (error) => this.#setConnection(this.#errorState(error)),
    });
    // The feed says nothing while the api's database is away: the api tells when it is lost and back.
    this.#unsubscribeState = this.#api.optional.feedState({
      onData: ({ database }) => this.#onDatabase(database === 'reachable'),
      // An older api without `tasks.feedState`: the feed's own state is all there is to show.
      onError: () => {},
    });
    this.#pruneTimer = setInterval(() => this.store.prune(Date.now()), 60_000);
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#unsubscribeState?.();
    this.#unsubscribeState = null;
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#pruneTimer = null;
  }

  /** Re-reads active tasks and the last hour of finished ones. */
  async refresh(): Promise<void> {
    const since = Date.now() - FINISHED_RETENTION_MS;
    const results = await Promise.all([
      ...ACTIVE_STATUSES.map((status) => this.#pages(status, MAX_ACTIVE_PAGES, null)),
      this.#pages('completed', MAX_HISTORY_PAGES, since),
      this.#pages('failed', MAX_HISTORY_PAGES, since),
      this.#pages('cancelled', 1, since),
    ]);
    this.#truncated = new Set(results.filter((result) => result.truncated).map((result) => result.status));
    this.#lastPageCursors = new Map(results.map((result) => [result.status, result.lastPageCursor]));
    this.#loaded = true;
    // One upsert, so listeners hear about the snapshot (and `loaded`) even when it is empty.
    this.store.upsert(results.flatMap((result) => result.items));
  }

  /** Called after the dashboard itself changed a task, so the change shows even before its event. */
  async reload(taskId: string): Promise<void> {
    this.store.upsert([toSummary(await this.#api.getTask(taskId))]);
  }

  onConnectionChange(listener: () => void): () => void {
    this.#connectionListeners.add(listener);
    return () => this.#connectionListeners.delete(listener);
  }

  async #pages(status: TaskStatus, maxPages: number, createdAfter: number | null): Promise<SnapshotListing> {
    const items: TaskSummary[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      const answer = await this.#api.listTasks({ status, limit: PAGE_SIZE, cursor });
      items.push(...answer.items);
      const listing = { status, items, lastPageCursor: cursor };
      if (!answer.next_cursor) return { ...listing, truncated: false };
      // Lists are newest first: once a page reaches past the window, older pages cannot matter.
      const oldest = answer.items.at(-1);
      if (createdAfter !== null && oldest && Date.parse(oldest.created_at) < createdAfter) {
        return { ...listing, truncated: false };
      }
      if (page === maxPages - 1) return { ...listing, truncated: true };
      cursor = answer.next_cursor;
    }
    return { status, items, lastPageCursor: cursor, truncated: false };
  }

  /**
   * A task the store does not know yet (just submitted elsewhere). Its next events can arrive
   * before the answer, so they wait and are applied on top of it; those the answer already
   * includes are older than it and change nothing.
   */
  #fetchUnknown(first: TaskEvent): void {
    const taskId = first.task_id;
    const waiting = [first];
    this.#fetching.set(taskId, waiting);
    this.#api
      .getTask(taskId)
      .then((view) => {
        this.store.upsert([toSummary(view)]);
        for (const event of waiting) this.store.apply(event);
      })
      .catch(() => {
        // The task vanished (TTL cleanup) or is not ours to see: nothing to show.
      })
      .finally(() => this.#fetching.delete(taskId));
  }

  /** What the feed missed while the database was away is read again once the api hears it. */
  #onDatabase(reachable: boolean): void {
    if (reachable === !this.#databaseLost) return;
    this.#databaseLost = !reachable;
    if (this.#connection.state !== 'live' && this.#connection.state !== 'degraded') return;
    this.#setConnection(this.#liveOrDegraded());
    if (reachable) this.refresh().catch((error: unknown) => this.#setConnection(this.#errorState(error)));
  }

  #liveOrDegraded(): ConnectionState {
    return this.#databaseLost
      ? { state: 'degraded', message: DATABASE_UNREACHABLE }
      : { state: 'live', since: Date.now() };
  }

  #errorState(error: unknown): ConnectionState {
    const { code, message } = this.#api.describeError(error);
    return { state: 'error', message, code };
  }

  #setConnection(state: ConnectionState): void {
    this.#connection = state;
    for (const listener of this.#connectionListeners) listener();
  }
}

/** What the snapshot read of one status. */
interface SnapshotListing {
  status: TaskStatus;
  items: TaskSummary[];
  /** The cap was reached with more tasks left: the store holds the newest only. */
  truncated: boolean;
  /** The cursor that read the last page (undefined: the first). */
  lastPageCursor: string | undefined;
}

/** Drops the heavy fields (params, result, metrics) a list row does not need. */
export function toSummary(view: TaskView): TaskSummary {
  const { params, result, depends_on, timeout_seconds, metrics, artifacts, ...summary } = view;
  return summary;
}
