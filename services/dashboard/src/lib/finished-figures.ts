import type { MetricsCounts, TaskStatus } from '@kaygraph/contracts';
import { formatDuration, formatPercent } from './format.ts';
import type { Totals } from './series.ts';
import { type Counts, formatCount } from './status-counts.ts';

/** A figure as shown, and whether it covers only the newest tasks (its list was cut off). */
export interface Figure {
  text: string;
  partial: boolean;
}

export interface FinishedFigures {
  completed: Figure;
  failed: Figure;
  errorRate: Figure;
  avgDuration: Figure;
  p95Duration: Figure;
}

/**
 * The Metrics page's headline figures: counts, error rate and average run time from the server's
 * snapshot when there is one; p95 (which the server does not compute), and everything on a server
 * without metrics, from the tasks the page holds, marked partial where their list was cut off.
 */
export function finishedFigures(
  counts: Counts,
  server: MetricsCounts | null,
  page: { totals: Totals; truncated: ReadonlySet<TaskStatus> },
): FinishedFigures {
  const completedCut = page.truncated.has('completed');
  const p95Duration = { text: formatDuration(page.totals.p95Duration), partial: completedCut };
  const count = (key: 'completed' | 'failed'): Figure => ({
    text: formatCount(counts[key]),
    partial: false,
  });
  if (server) {
    const finished = server.tasks_completed + server.tasks_failed;
    return {
      completed: count('completed'),
      failed: count('failed'),
      errorRate: { text: finished ? formatPercent(server.error_rate * 100) : '—', partial: false },
      avgDuration: {
        text: server.tasks_completed ? formatDuration(server.avg_duration) : '—',
        partial: false,
      },
      p95Duration,
    };
  }
  const finished = counts.completed.value + counts.failed.value;
  return {
    completed: count('completed'),
    failed: count('failed'),
    errorRate: {
      text: finished ? formatPercent((counts.failed.value / finished) * 100) : '—',
      partial: counts.completed.atLeast || counts.failed.atLeast,
    },
    avgDuration: { text: formatDuration(page.totals.avgDuration), partial: completedCut },
    p95Duration,
  };
}
