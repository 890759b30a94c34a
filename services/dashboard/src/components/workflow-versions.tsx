import type { MoveVersionTasksOutput, WorkflowInfo } from '@kaygraph/contracts';
import { useState } from 'preact/hooks';
import { formatTime } from '../lib/format.ts';
import { EmptyState, Panel } from './states.tsx';
import { isRetired, VersionMoveAction } from './version-move-action.tsx';
import { VersionMoveOutcome } from './version-move-outcome.tsx';

/**
 * Which versions of a workflow run where: the current version (new tasks go there) and older ones that
 * still have live workers or tasks to drain, each with the worker processes serving it. A retired
 * version's tasks can be moved to the current one; `onMoved` reads the versions again.
 */
export function WorkflowVersions({ workflow, onMoved }: { workflow: WorkflowInfo; onMoved: () => void }) {
  // Kept here, not in the row: a version whose tasks all moved leaves the list.
  const [outcome, setOutcome] = useState<MoveVersionTasksOutput | null>(null);
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
              <td class="version-tasks">
                <span class="version-unfinished">{version.unfinished_tasks}</span>
                {isRetired(version) ? (
                  <VersionMoveAction
                    workflow={workflow.name}
                    version={version}
                    current={workflow.version}
                    onMoved={(moved) => {
                      setOutcome(moved);
                      onMoved();
                    }}
                  />
                ) : null}
              </td>
              <td>{formatTime(version.first_registered_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {outcome ? <VersionMoveOutcome outcome={outcome} /> : null}
      {workflow.versions.every((version) => version.workers.length === 0) ? (
        <EmptyState title="No live worker runs this workflow">
          Tasks are accepted and wait in their version's queue until a worker of that version starts. When no
          worker of an older version will start again (an upgrade replaced them), an admin moves its tasks to
          the current version with "Move tasks to current".
        </EmptyState>
      ) : null}
    </Panel>
  );
}
