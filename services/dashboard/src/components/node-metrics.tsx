import type { NodeMetric, NodeMetricTotals, NodeOutcome, TaskView } from '@kaygraph/contracts';
import { formatDuration } from '../lib/format.ts';
import { EmptyState } from './states.tsx';
import { StatusBadge } from './status-badge.tsx';

type TaskMetrics = Pick<TaskView, 'metrics' | 'metrics_omitted' | 'metrics_by_node'>;

const count = (value: number) => value.toLocaleString('en');

/** Every step of the task summed per node, then its most recent steps one by one. */
export function NodeMetrics({ task }: { task: TaskMetrics }) {
  const steps = task.metrics ?? [];
  if (steps.length === 0 && task.metrics_omitted === 0) {
    return (
      <EmptyState title="No node metrics yet">
        They are recorded as each node of the graph finishes.
      </EmptyState>
    );
  }
  return (
    <>
      <NodeTotals totals={task.metrics_by_node ?? []} />
      <h3 class="metrics-subhead">Steps</h3>
      {task.metrics_omitted > 0 ? (
        <p class="hint" data-testid="metrics-omitted">
          The last {count(steps.length)} of {count(steps.length + task.metrics_omitted)} steps: the{' '}
          {count(task.metrics_omitted)} before them are counted in the totals above.
        </p>
      ) : null}
      <NodeSteps steps={steps} />
    </>
  );
}

const OUTCOMES: readonly NodeOutcome[] = ['ok', 'fallback', 'swallowed', 'error', 'aborted'];

function NodeTotals({ totals }: { totals: NodeMetricTotals[] }) {
  const longest = Math.max(...totals.map((node) => node.total_duration_ms), 1);
  return (
    <table class="table" data-testid="node-totals">
      <thead>
        <tr>
          <th>Node</th>
          <th>Runs</th>
          <th>Outcomes</th>
          <th class="col-wide">Attempts</th>
          <th class="col-wide">Last action</th>
          <th class="col-wide">Longest</th>
          <th class="col-progress">Total time</th>
        </tr>
      </thead>
      <tbody>
        {totals.map((node) => (
          <tr key={node.node_id}>
            <td>
              <code>{node.node_id}</code>
            </td>
            <td>{count(node.runs)}</td>
            <td>
              {OUTCOMES.filter((outcome) => node.outcomes[outcome] > 0).map((outcome) => (
                <span key={outcome} class="outcome-count">
                  <StatusBadge status={outcome} /> {count(node.outcomes[outcome])}
                </span>
              ))}
            </td>
            <td class="col-wide">{count(node.attempts)}</td>
            <td class="col-wide">{node.last_action ?? '—'}</td>
            <td class="col-wide">{formatDuration(node.max_duration_ms / 1000)}</td>
            <td>
              <DurationBar ms={node.total_duration_ms} longest={longest} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NodeSteps({ steps }: { steps: NodeMetric[] }) {
  const longest = Math.max(...steps.map((metric) => metric.duration_ms), 1);
  return (
    <table class="table" data-testid="node-metrics">
      <thead>
        <tr>
          <th>Node</th>
          <th>Outcome</th>
          <th>Attempts</th>
          <th>Action</th>
          <th class="col-progress">Duration</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((metric, index) => (
          <tr key={`${metric.node_id}-${index}`}>
            <td>
              <code>{metric.node_id}</code>
            </td>
            <td>
              <StatusBadge status={metric.outcome} />
            </td>
            <td>{metric.attempts}</td>
            <td>{metric.action ?? '—'}</td>
            <td>
              <DurationBar ms={metric.duration_ms} longest={longest} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DurationBar({ ms, longest }: { ms: number; longest: number }) {
  return (
    <div class="duration-bar">
      <div style={{ width: `${(ms / longest) * 100}%` }} />
      <span>{formatDuration(ms / 1000)}</span>
    </div>
  );
}
