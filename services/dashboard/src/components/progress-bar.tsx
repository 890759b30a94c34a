import type { TaskStatus } from '@kaygraph/contracts';

/** A task's progress; the fill colour follows the status so a failure stands out mid-bar. */
export function ProgressBar({ value, status }: { value: number; status: TaskStatus }) {
  const percent = Math.max(0, Math.min(100, value));
  return (
    <div
      class={`progress progress-${status}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(percent)}
      aria-label="progress"
    >
      <div class="progress-fill" style={{ width: `${percent}%` }} />
      <span class="progress-label">{Math.round(percent)} %</span>
    </div>
  );
}
