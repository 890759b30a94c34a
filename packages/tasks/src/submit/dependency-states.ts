import type { TaskError, TaskStatus } from '@kaygraph/contracts';
import { DomainError } from '@kaygraph/contracts';
import { type Caller, mayAccess } from '../caller.ts';
import { type DependencyState, dependencyError } from '../store/dependencies.ts';

/**
 * What a task's dependencies make of it (task chaining), decided from their states as
 * `store/dependencies.ts lockDependencies` read them: a new task's first status, and a task's status when
 * it runs again. Dependencies must exist and be visible to the submitter, and a new task's id is fresh,
 * so no cycle can form.
 */

/** What a task starts as, decided at submit from its dependencies and `run_at`. */
export interface InitialState {
  status: Extract<TaskStatus, 'queued' | 'scheduled' | 'blocked' | 'failed'>;
  error: TaskError | null;
}

interface DependencyRequest {
  dependsOn: readonly string[];
  runAt: Date | null;
}

/**
 * The first status of each task about to be inserted: `failed` when a dependency already failed or was
 * cancelled, `blocked` while one is unfinished, else `scheduled` (a later `run_at`) or `queued`. A
 * dependency the caller may not see is NOT_FOUND, naming the field (`tasks.3.depends_on` in a batch).
 */
export function initialStates(
  caller: Caller,
  requests: readonly DependencyRequest[],
  dependencies: ReadonlyMap<string, DependencyState>,
): InitialState[] {
  return requests.map((request, index): InitialState => {
    let blocked = false;
    for (const id of request.dependsOn) {
      const dependency = dependencies.get(id);
      if (!dependency || !mayAccess(caller, dependency.owner)) {
        const path = requests.length > 1 ? `tasks.${index}.depends_on` : 'depends_on';
        throw new DomainError('NOT_FOUND', `dependency ${id} not found`, {
          issues: [{ path, message: `no task ${id}` }],
        });
      }
      if (dependency.status === 'failed' || dependency.status === 'cancelled') {
        // Submitted after its dependency already failed: the same outcome as if it had waited.
        return { status: 'failed', error: dependencyError(id, dependency.status, 1) };
      }
      if (dependency.status !== 'completed') blocked = true;
    }
    if (blocked) return { status: 'blocked', error: null };
    const later = request.runAt && request.runAt.getTime() > Date.now();
    return { status: later ? 'scheduled' : 'queued', error: null };
  });
}

/**
 * The status a task takes when it runs again (retry, dead-letter redrive): `queued` when its dependencies
 * have all completed, `blocked` while some are unfinished. A dependency that failed, was cancelled or is
 * gone refuses it (CONFLICT): retry that one first, and this one follows it.
 */
export function retryStatus(
  taskId: string,
  dependsOn: readonly string[],
  dependencies: ReadonlyMap<string, DependencyState>,
): 'queued' | 'blocked' {
  const gone = dependsOn.find((id) => !dependencies.has(id));
  if (gone) {
    throw new DomainError(
      'CONFLICT',
      `task ${taskId} depends on task ${gone}, which no longer exists (its result expired)`,
    );
  }
  const broken = dependsOn.find((id) => {
    const status = dependencies.get(id)?.status;
    return status === 'failed' || status === 'cancelled';
  });
  if (broken) {
    throw new DomainError(
      'CONFLICT',
      `task ${taskId} depends on task ${broken}, which is ${dependencies.get(broken)?.status}: retry that task first`,
    );
  }
  return dependsOn.every((id) => dependencies.get(id)?.status === 'completed') ? 'queued' : 'blocked';
}
