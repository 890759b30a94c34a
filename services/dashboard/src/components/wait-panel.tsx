import type { TaskView, TaskWait } from '@kaygraph/contracts';
import { useEffect, useState } from 'preact/hooks';
import { formatRelative, formatTime, shortId } from '../lib/format.ts';
import { taskHref } from '../router.ts';
import { ProgressBar } from './progress-bar.tsx';
import { SignalForm, type SignalOutcome, SignalOutcomeNotice } from './signal-form.tsx';
import { Panel } from './states.tsx';

/**
 * What a waiting task waits for (a signal with its deadline and form, a sleep, child tasks with
 * their progress), and the answer to the last signal sent from here: it stays after the wait ends,
 * but not under the next wait (it answered the previous one).
 */
export function WaitSection({ task }: { task: TaskView }) {
  const [answered, setAnswered] = useState<{ wait: string; outcome: SignalOutcome } | null>(null);
  useEffect(() => setAnswered(null), [task.task_id]);
  const { wait } = task;
  const waitKey = wait ? `${wait.node_id}:${wait.since}` : null;
  const outcome = answered && (waitKey === null || waitKey === answered.wait) ? answered.outcome : null;
  if (!wait && !outcome) return null;
  return (
    <Panel title={wait ? waitTitle(wait) : 'Signal'}>
      <div data-testid="wait" data-wait-kind={wait?.kind ?? 'none'}>
        {wait ? <WaitFacts wait={wait} /> : null}
        {outcome ? <SignalOutcomeNotice outcome={outcome} /> : null}
        {wait?.kind === 'signal' ? (
          <SignalForm
            // a new wait (after a revision, say) starts from a fresh form
            key={waitKey}
            taskId={task.task_id}
            signal={wait.signal}
            schema={wait.schema}
            onOutcome={(next) => setAnswered({ wait: waitKey ?? '', outcome: next })}
          />
        ) : null}
      </div>
    </Panel>
  );
}

function waitTitle(wait: TaskWait): string {
  switch (wait.kind) {
    case 'signal':
      return `Waiting for the signal "${wait.signal}"`;
    case 'sleep':
      return 'Sleeping';
    case 'children':
      return 'Waiting for child tasks';
  }
}

function WaitFacts({ wait }: { wait: TaskWait }) {
  const now = useNow();
  return (
    <>
      <dl class="facts">
        <dt>Since</dt>
        <dd>{formatTime(wait.since)}</dd>
        {wait.kind === 'signal' ? (
          <>
            <dt>Deadline</dt>
            <dd data-testid="wait-deadline">
              {wait.deadline
                ? `${formatTime(wait.deadline)} (${formatRelative(wait.deadline, now)})`
                : 'none'}
            </dd>
          </>
        ) : null}
        {wait.kind === 'sleep' ? (
          <>
            <dt>Until</dt>
            <dd data-testid="wait-until">
              {formatTime(wait.until)} ({formatRelative(wait.until, now)})
            </dd>
          </>
        ) : null}
        {wait.kind === 'children' ? (
          <>
            <dt>Finished</dt>
            <dd data-testid="wait-children">
              {wait.finished} of {wait.child_task_ids.length}
            </dd>
          </>
        ) : null}
      </dl>
      {wait.kind === 'children' ? (
        <>
          <div class="wait-progress">
            <ProgressBar value={(100 * wait.finished) / wait.child_task_ids.length} status="waiting" />
          </div>
          <p class="child-tasks">
            {wait.child_task_ids.map((id, index) => (
              <a key={id} href={taskHref(id)} title={`child ${index + 1}`}>
                <code>{shortId(id)}</code>{' '}
              </a>
            ))}
          </p>
        </>
      ) : null}
    </>
  );
}

/** The clock for "in 5 min", ticking every 10 s. */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 10_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}
