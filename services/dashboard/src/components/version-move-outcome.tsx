import type { MoveVersionTasksOutput } from '@kaygraph/contracts';
import { shortId } from '../lib/format.ts';
import { taskHref } from '../router.ts';
import { StatusBadge } from './status-badge.tsx';

/** Tasks that stayed listed by name; the api names at most MOVE_KEPT_LISTED. */
const KEPT_SHOWN = 10;

/** What a move did: how many tasks went to the current version, and the first that stayed with why. */
export function VersionMoveOutcome({ outcome }: { outcome: MoveVersionTasksOutput }) {
  const { moved, kept_total: keptTotal, from_version: from, to_version: to } = outcome;
  const shown = outcome.kept.slice(0, KEPT_SHOWN);
  const more = keptTotal - shown.length;
  return (
    <div
      class={keptTotal === 0 ? 'notice notice-ok' : 'notice notice-partial'}
      role="status"
      data-testid="version-move-outcome"
    >
      <p>
        Moved {moved} task{moved === 1 ? '' : 's'} from <code>{from}</code> to <code>{to}</code>
        {keptTotal === 0 ? (
          '.'
        ) : (
          <>
            ; {keptTotal} stayed on <code>{from}</code>:
          </>
        )}
      </p>
      {shown.length > 0 ? (
        <ul class="kept-tasks">
          {shown.map((task) => (
            <li key={task.task_id} data-reason={task.reason}>
              <a href={taskHref(task.task_id)}>
                <code>{shortId(task.task_id)}</code>
              </a>{' '}
              <StatusBadge status={task.status} /> <code>{task.reason}</code>: {task.message}
            </li>
          ))}
        </ul>
      ) : null}
      {more > 0 ? <p>…and {more} more.</p> : null}
    </div>
  );
}
