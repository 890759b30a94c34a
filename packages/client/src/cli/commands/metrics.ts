import type { MetricsCounts } from '@kaygraph/contracts';
import type { Command } from 'commander';
import { formatSeconds, printJson, printTable, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

function row(name: string, counts: MetricsCounts): (string | number)[] {
  return [
    name,
    counts.tasks_queued,
    counts.queue_depth > 0 ? formatSeconds(counts.queue_age_seconds) : '-',
    counts.tasks_running,
    counts.tasks_running > 0 ? formatSeconds(counts.longest_run_seconds) : '-',
    counts.tasks_waiting,
    counts.tasks_blocked,
    counts.tasks_scheduled,
    counts.tasks_held,
    counts.tasks_completed,
    counts.tasks_failed,
    `${Math.round(counts.error_rate * 1000) / 10}%`,
    counts.tasks_completed > 0 ? formatSeconds(counts.avg_duration) : '-',
  ];
}

/** Without a live worker nothing queued will run: the first thing to know about a growing queue. */
function workersAlive(workers: number): string {
  if (workers === 0) return 'no worker alive: queued tasks wait until one starts';
  return `${workers} worker process${workers === 1 ? '' : 'es'} alive`;
}

/** `kaygraph metrics`: the queue at a glance (the `metrics` procedure, as GET /metrics answers JSON). */
export function registerMetricsCommand(program: Command, session: CliSession): void {
  program
    .command('metrics')
    .description(
      'queued tasks and how long the oldest has waited, running tasks and how long the longest has run, throughput and error rate, per workflow and priority',
    )
    .action(
      action(session, async (s) => {
        const snapshot = await s.api((client) => client.trpc.metrics.query({}), 'metrics');
        if (s.json) {
          printJson(s.io, snapshot);
          return 0;
        }
        const window = formatSeconds(snapshot.window_seconds);
        writeLine(
          s.io.stdout,
          `${snapshot.scope === 'all' ? 'all owners' : `owner ${snapshot.scope}`}; finished counts over the last ${window}; ${workersAlive(snapshot.workers)}`,
        );
        const header = [
          '',
          'QUEUED',
          'OLDEST',
          'RUNNING',
          'LONGEST RUN',
          'WAITING',
          'BLOCKED',
          'SCHEDULED',
          'HELD',
          'COMPLETED',
          'FAILED',
          'ERRORS',
          'AVG TIME',
        ];
        printTable(s.io, header, [
          row('all', snapshot),
          ...Object.entries(snapshot.by_workflow).map(([name, counts]) => row(name, counts)),
          ...Object.entries(snapshot.by_priority).map(([name, counts]) => row(`priority ${name}`, counts)),
        ]);
        return 0;
      }),
    );
}
