import type { TaskEvent } from '@kaygraph/contracts';
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { formatDuration, formatEta, formatTime } from '../lib/format.ts';
import { collapseHistory, type HistoryRow } from '../lib/history.ts';
import { sample } from '../lib/series.ts';
import { clockTicks, LineChart, WIDE } from './charts.tsx';
import { EmptyState } from './states.tsx';
import { StatusBadge } from './status-badge.tsx';

/** A task's events: its progress over time as a chart, and a table with each step's reports folded. */
export function ProgressHistory({ events }: { events: TaskEvent[] }) {
  if (events.length === 0) return <EmptyState title="No events yet" />;
  // Progress is stored at up to ~10 events/s: an hour-long task has tens of thousands. The chart
  // draws a sample, the table the latest rows with each step's progress folded into one.
  // Every event that carries progress: the reports, and a completed task's status event (100).
  const progress = sample(
    events.flatMap((event) =>
      (event.type === 'progress' || event.type === 'status') && event.progress !== undefined
        ? [{ at: event.at, progress: event.progress }]
        : [],
    ),
    MAX_CHART_POINTS,
  );
  const rows = collapseHistory(events);
  const shown = rows.slice(-MAX_TABLE_ROWS);
  const from = Date.parse(events[0]?.at ?? '');
  const to = Math.max(Date.parse(events.at(-1)?.at ?? ''), from + 1000);
  const span = to - from;
  const tickEvery =
    [1000, 5000, 10_000, 60_000, 300_000, 600_000, 3_600_000].find((ms) => span / ms <= 6) ?? 3_600_000;
  return (
    <>
      {progress.length > 1 ? (
        <LineChart
          title="Progress over time"
          width={WIDE}
          step
          xDomain={[from, to]}
          xTicks={elapsedTicks(from, to, tickEvery)}
          yMax={100}
          yFormat={(value) => `${Math.round(value)} %`}
          series={[
            {
              key: 'progress',
              label: 'progress',
              className: 'series-progress',
              points: progress.map((event) => ({ x: Date.parse(event.at), y: event.progress })),
            },
          ]}
        />
      ) : null}
      {shown.length < rows.length ? (
        <p class="hint">
          The latest {shown.length} of {rows.length} entries.
        </p>
      ) : null}
      <table class="table" data-testid="event-history">
        <thead>
          <tr>
            <th>#</th>
            <th>Time</th>
            <th>Event</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <HistoryEntry key={row.event.seq} row={row} />
          ))}
        </tbody>
      </table>
    </>
  );
}

/** An event; a step's progress row folds its earlier reports behind a toggle. */
function HistoryEntry({ row }: { row: HistoryRow }) {
  const [open, setOpen] = useState(false);
  const { event, earlier } = row;
  return (
    <>
      {open ? earlier.map((folded) => <EventRow key={folded.seq} event={folded} folded />) : null}
      <EventRow event={event}>
        {earlier.length > 0 ? (
          <button
            type="button"
            class="link-button"
            aria-expanded={open}
            onClick={() => setOpen((value) => !value)}
          >
            {open ? 'hide earlier' : `${earlier.length} earlier`}
          </button>
        ) : null}
      </EventRow>
    </>
  );
}

function EventRow({
  event,
  folded = false,
  children,
}: {
  event: TaskEvent;
  folded?: boolean;
  children?: ComponentChildren;
}) {
  return (
    <tr class={folded ? 'folded' : undefined} data-event-type={event.type}>
      <td class="muted">{event.seq}</td>
      <td>
        <code>{formatTime(event.at).slice(11)}</code>
      </td>
      <td>{event.type === 'status' ? <StatusBadge status={event.status} /> : event.type}</td>
      <td>
        {describe(event)} {children}
      </td>
    </tr>
  );
}

const MAX_CHART_POINTS = 400;
const MAX_TABLE_ROWS = 200;

function describe(event: TaskEvent): string {
  switch (event.type) {
    case 'status':
      return event.error ? `${event.error.code}: ${event.error.message}` : `attempt ${event.attempt}`;
    case 'progress':
      return [
        `${Math.round(event.progress)} %`,
        event.step,
        event.message,
        event.eta_seconds !== null ? `ETA ${formatEta(event.eta_seconds)}` : null,
      ]
        .filter(Boolean)
        .join(' · ');
    case 'log':
      return `[${event.level}] ${event.message}`;
    case 'waiting':
      return event.wait.kind === 'signal'
        ? `waits for the signal ${event.wait.signal}`
        : event.wait.kind === 'sleep'
          ? `sleeps until ${event.wait.until}`
          : `waits for ${event.wait.child_task_ids.length} child tasks`;
    case 'signal_received':
      return `signal ${event.name} ${event.taken}`;
    case 'child_finished':
      return `child ${event.index + 1} of ${event.total} ${event.status}`;
  }
}

/** "+0 s", "+5 s", ... since the first event: a task's own clock reads better than wall time. */
function elapsedTicks(from: number, to: number, everyMs: number) {
  if (everyMs >= 60_000) return clockTicks(from, to, everyMs);
  const ticks = [];
  for (let at = from; at <= to; at += everyMs)
    ticks.push({ at, label: `+${formatDuration((at - from) / 1000)}` });
  return ticks;
}
