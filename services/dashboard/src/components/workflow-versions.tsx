import type { WorkflowInfo } from '@kaygraph/contracts';
import { formatTime } from '../lib/format.ts';
import { EmptyState, Panel } from './states.tsx';

/**
 * Which versions of a workflow run where: the current version (new tasks go there) and older ones that
 * still have live workers or tasks to drain, each with the worker processes serving it.
 */
export function WorkflowVersions({ workflow }: { workflow: WorkflowInfo }) {
  return (
    <Panel title="Versions">
      <table class="table" data-testid="workflow-versions">
        <thead>
          <tr>
            <th>Version</th>
            <th>Workers (host:pid)</th>
            <th>Unfinished tasks</th>
            <th>First registered</th>
          </tr>
        </thead>
        <tbody>
          {workflow.versions.map((version) => (
            <tr key={version.version} data-version={version.version}>
              <td>
                <code>{version.version}</code>{' '}
                {version.current ? <span class="badge badge-ok">current</span> : null}
              </td>
              <td>
                {version.workers.length === 0 ? (
                  <span class="muted">no live worker</span>
                ) : (
                  version.workers.map((worker) => (
                    <div key={worker.id}>
                      <code>{worker.host === null ? worker.id : `${worker.host}:${worker.pid}`}</code>
                    </div>
                  ))
                )}
              </td>
              <td>{version.unfinished_tasks}</td>
              <td>{formatTime(version.first_registered_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {workflow.versions.every((version) => version.workers.length === 0) ? (
        <EmptyState title="No live worker runs this workflow">
          Tasks are accepted and wait in their version's queue until a worker of that version starts.
        </EmptyState>
      ) : null}
    </Panel>
  );
}
