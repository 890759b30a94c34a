import type { TaskSummary } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { MAX_RUN_QUEUE, useRunQueue } from '../data/run-queue.ts';
import { type ActiveKey, activeSections, SECTION_ROWS } from '../lib/active-sections.ts';
import { formatEta, formatRelative } from '../lib/format.ts';
import { type Counts, formatCount } from '../lib/status-counts.ts';
import { ProgressBar } from './progress-bar.tsx';
import { ErrorNotice } from './states.tsx';
import { TaskActions } from './task-actions.tsx';
import { TaskRow } from './task-row.tsx';

const SECTION_TITLES: Record<ActiveKey, string> = {
  waiting: 'Waiting for a signal, a time or child tasks',
  running: 'Running',
  blocked: 'Blocked by the tasks they depend on',
  scheduled: 'Scheduled for later',
  queued: 'Queued, in the order they will run',
};

/** Rows one "Show more" adds to a section. */
const MORE_ROWS = 100;

/**
 * The unfinished tasks, one section per status group, those waiting for a person first: a backlog of
 * thousands is summarised ("N more", from the counts above), never allowed to push the others away. The
 * queue is listed in the order it will run, as the api orders it (`useRunQueue`).
 */
export function ActiveSections({
  tasks,
  counts,
  now,
}: {
  tasks: TaskSummary[];
  counts: Counts | null;
  now: number;
}) {
  const [limits, setLimits] = useState<Partial<Record<ActiveKey, number>>>({});
  const queue = useRunQueue(limits.queued ?? SECTION_ROWS);
  const ordered =
    queue.state === 'ready'
      ? { queued: queue.value }
      : { queued: { status: 'queued' as const, items: [], more: false } };
  const sections = activeSections(tasks, counts, limits, ordered);
  return (
    <div class="active-sections" data-testid="active-tasks">
      {sections.map((section) => (
        <section key={section.key} class="active-section" data-testid={`active-section-${section.key}`}>
          <h3>
            {SECTION_TITLES[section.key]}{' '}
            <span class="muted">{counts ? formatCount(counts[section.key]) : null}</span>
          </h3>
          {section.key === 'queued' && queue.state === 'error' ? (
            <ErrorNotice message={queue.message} />
          ) : null}
          {section.rows.length > 0 ? <ActiveTable tasks={section.rows} now={now} /> : null}
          {section.more.value > 0 ? (
            <p class="hint more-rows" data-testid="more-rows">
              {section.rows.length > 0 ? 'and ' : ''}
              {formatCount(section.more)} more {section.key} not listed here
              {section.canShowMore ? (
                <>
                  {' '}
                  <button
                    type="button"
                    class="button"
                    onClick={() => setLimits({ ...limits, [section.key]: section.rows.length + MORE_ROWS })}
                  >
                    Show more
                  </button>
                </>
              ) : section.key === 'queued' ? (
                queue.state === 'loading' ? (
                  ' (loading…)'
                ) : (
                  ` (this page lists the first ${MAX_RUN_QUEUE.toLocaleString('en')} to run)`
                )
              ) : (
                ' (this page loads the newest 1,000 of each status)'
              )}
            </p>
          ) : null}
        </section>
      ))}
    </div>
  );
}

function ActiveTable({ tasks, now }: { tasks: TaskSummary[]; now: number }) {
  return (
    <table class="table">
      <thead>
        <tr>
          <th>Task</th>
          <th>Status</th>
          <th class="col-wide">Priority</th>
          <th class="col-progress">Progress</th>
          <th class="col-wide">Step</th>
          <th class="col-wide">ETA</th>
          <th class="col-wide">Started</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => (
          <TaskRow key={task.task_id} task={task}>
            <td class="col-wide">
              <span class={`priority priority-${task.priority}`}>{task.priority}</span>
            </td>
            <td>
              <ProgressBar value={task.progress} status={task.status} />
            </td>
            <td class="step col-wide" title={task.message ?? undefined}>
              {task.step ?? '—'}
              {task.message ? <small>{task.message}</small> : null}
            </td>
            <td class="col-wide">{task.status === 'running' ? formatEta(task.eta_seconds) : '—'}</td>
            <td class="col-wide" data-testid="started">
              {/* scheduled: its run_at; queued: a retry waiting out its backoff */}
              {(task.status === 'scheduled' || task.status === 'queued') &&
              task.run_at &&
              Date.parse(task.run_at) > now
                ? `runs ${formatRelative(task.run_at, now)}`
                : formatRelative(task.started_at, now)}
            </td>
            <td>
              <TaskActions task={task} />
            </td>
          </TaskRow>
        ))}
      </tbody>
    </table>
  );
}
