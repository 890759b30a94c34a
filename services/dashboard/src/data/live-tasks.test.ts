import type {
  FeedState,
  ListTasksInput,
  ListTasksOutput,
  SubmitTaskInput,
  SubmitTaskOutput,
  TaskEvent,
  TaskStatusOutput,
  TaskView,
  WorkflowInfo,
} from '@kaygraph/contracts';
import { describe, expect, it } from 'vitest';
import type { DashboardApi, StreamHandlers } from './api.ts';
import { LiveTasks } from './live-tasks.ts';

/**
 * The order in which the feed and the answers of `tasks.get` arrive is up to the network; a real
 * server cannot be made to interleave them on purpose, so this drives LiveTasks through an api
 * whose answers the test releases by hand.
 */

const ID = '3f0c9a52-5f55-4c43-9a43-2d5b3f7c1a10';
const at = (second: number) => `2026-01-01T12:00:0${second}.000Z`;

function view(status: TaskView['status'], updatedSecond: number): TaskView {
  return {
    task_id: ID,
    workflow: 'pipeline',
    status,
    priority: 'normal',
    progress: 0,
    step: null,
    message: null,
    eta_seconds: null,
    attempt: 0,
    max_retries: 0,
    group_id: null,
    schedule_id: null,
    concurrency_key: null,
    error: null,
    created_at: at(0),
    updated_at: at(updatedSecond),
    started_at: null,
    completed_at: null,
    workflow_version: 'v1',
    version_state: 'served',
    idempotency_key: null,
    params: {},
    depends_on: [],
    timeout_seconds: 60,
    run_seconds: null,
    run_at: null,
    metrics: null,
    metrics_omitted: 0,
    metrics_by_node: null,
    artifacts: [],
    wait: null,
    parent_task_id: null,
  };
}

function handApi(
  listTasks: (input: ListTasksInput) => Promise<ListTasksOutput> = async () => ({
    items: [],
    next_cursor: null,
  }),
) {
  let feed: StreamHandlers<TaskEvent> | null = null;
  let feedState: StreamHandlers<FeedState> | null = null;
  const gets: ((value: TaskView) => void)[] = [];
  const unused = () => Promise.reject(new Error('not used by this test'));
  const api: DashboardApi = {
    listTasks,
    getTask: () => new Promise<TaskView>((resolve) => gets.push(resolve)),
    submit: (_input: SubmitTaskInput): Promise<SubmitTaskOutput> => unused(),
    cancel: (): Promise<TaskStatusOutput> => unused(),
    retry: (): Promise<TaskStatusOutput> => unused(),
    promote: (): Promise<TaskStatusOutput> => unused(),
    signal: unused,
    artifact: unused,
    listWorkflows: (): Promise<WorkflowInfo[]> => unused(),
    moveVersionTasks: unused,
    setWorkflowPaused: unused,
    feed: (handlers) => {
      feed = handlers;
      return () => {};
    },
    taskEvents: () => () => {},
    optional: {
      metrics: unused,
      deadLetters: unused,
      redrive: unused,
      redriveAll: unused,
      cancelQueued: unused,
      purge: unused,
      remove: unused,
      clean: unused,
      schedules: unused,
      setScheduleEnabled: unused,
      groups: unused,
      group: unused,
      cancelGroup: unused,
      groupEvents: () => () => {},
      feedState: (handlers) => {
        feedState = handlers;
        return () => {};
      },
    },
    describeError: (error) => ({ code: null, status: null, message: String(error), issues: [] }),
    close: () => {},
  };
  return {
    api,
    emit: (event: TaskEvent) => feed?.onData(event),
    connect: () => feed?.onStarted?.(),
    database: (database: FeedState['database']) => feedState?.onData({ database }),
    answerGet: (value: TaskView) => gets.shift()?.(value),
  };
}

describe('LiveTasks', () => {
  it('is degraded while the api cannot reach its database, then live with a fresh snapshot', () => {
    let reads = 0;
    const { api, connect, database } = handApi(async () => {
      reads += 1;
      return { items: [], next_cursor: null };
    });
    const live = new LiveTasks(api);
    live.start();
    connect();
    expect(live.connection.state).toBe('live');
    database('unreachable');
    expect(live.connection).toEqual({ state: 'degraded', message: 'the api cannot reach its database' });
    const before = reads;
    database('reachable');
    expect(live.connection.state).toBe('live');
    // What the feed missed meanwhile is read again.
    expect(reads).toBeGreaterThan(before);
    live.stop();
  });

  it('keeps the events of a new task that arrive while it is being fetched', async () => {
    const { api, emit, answerGet } = handApi();
    const live = new LiveTasks(api);
    live.start();
    emit({ type: 'status', task_id: ID, seq: 1, at: at(1), status: 'queued', attempt: 0, error: null });
    emit({ type: 'status', task_id: ID, seq: 2, at: at(2), status: 'running', attempt: 1, error: null });
    emit({
      type: 'progress',
      task_id: ID,
      seq: 3,
      at: at(3),
      progress: 40,
      step: 'load',
      message: null,
      eta_seconds: 3,
    });
    // The answer was read before the task started running.
    answerGet(view('queued', 1));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(live.store.get(ID)).toMatchObject({ status: 'running', progress: 40, step: 'load' });
    live.stop();
  });

  it('is not loaded before its first snapshot, so the pages show loading rather than counts of 0', async () => {
    const { api, connect } = handApi();
    const live = new LiveTasks(api);
    let heard = 0;
    live.store.subscribe(() => {
      heard += 1;
    });
    live.start();
    expect(live.loaded).toBe(false);
    connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    // An empty snapshot still counts, and listeners hear that it arrived.
    expect(live.loaded).toBe(true);
    expect(heard).toBeGreaterThan(0);
    live.stop();
  });

  it('names the statuses whose listing hit the cap, and where each listing stopped', async () => {
    // The server has far more completed tasks than the page loads; every other list fits in a page.
    const requested: (string | undefined)[] = [];
    const { api, connect } = handApi(async (input) => {
      if (input.status !== 'completed') return { items: [], next_cursor: null };
      requested.push(input.cursor);
      const page = requested.length;
      return {
        items: [
          { ...view('completed', 0), task_id: crypto.randomUUID(), created_at: new Date().toISOString() },
        ],
        next_cursor: `after-page-${page}`,
      };
    });
    const live = new LiveTasks(api);
    live.start();
    connect();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect([...live.truncatedStatuses]).toEqual(['completed']);
    // Five pages read; older failures or completions are read on from the last one.
    expect(requested).toEqual([undefined, 'after-page-1', 'after-page-2', 'after-page-3', 'after-page-4']);
    expect(live.resumeCursor('completed')).toBe('after-page-4');
    expect(live.resumeCursor('failed')).toBeUndefined();
    live.stop();
  });
});
