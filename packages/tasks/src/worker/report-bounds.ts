import { LOG_TEXT_LIMIT, PROGRESS_TEXT_LIMIT, truncatedText } from '@kaygraph/contracts';
import type { ProgressState } from '../store/progress.ts';

/**
 * What a run reports, cut to the contract's limits before it is stored, announced and sent to every
 * watcher: a chatty workflow's text is truncated with a marker, and never fails its task.
 */

function fits(text: string | null, limit: number): boolean {
  return text === null || (typeof text === 'string' && text.length <= limit);
}

/** Text a run passed (a JavaScript workflow may pass a number), cut to `limit`. */
function bounded(text: unknown, limit: number): string {
  return truncatedText(typeof text === 'string' ? text : String(text), limit);
}

/** A progress report with its step and message at most PROGRESS_TEXT_LIMIT characters each. */
export function boundedProgress(progress: ProgressState): ProgressState {
  const { step, message } = progress;
  if (fits(step, PROGRESS_TEXT_LIMIT) && fits(message, PROGRESS_TEXT_LIMIT)) return progress;
  return {
    ...progress,
    step: step === null ? null : bounded(step, PROGRESS_TEXT_LIMIT),
    message: message === null ? null : bounded(message, PROGRESS_TEXT_LIMIT),
  };
}

/**
 * A log line's payload: its message, and its data written as JSON, at most LOG_TEXT_LIMIT characters each.
 * Never throws: data JSON cannot write (a BigInt, a cycle) is replaced by a string saying why, so the line
 * and the reports written with it are stored.
 */
export function boundedLogLine(level: string, message: string, data: unknown): Record<string, unknown> {
  const line: Record<string, unknown> = { level, message: bounded(message, LOG_TEXT_LIMIT) };
  if (data === undefined) return line;
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    line.data = bounded(
      `data not written: ${error instanceof Error ? `${error.name}: ${error.message}` : error}`,
      LOG_TEXT_LIMIT,
    );
    return line;
  }
  // Data too long is kept as its JSON text, cut: still readable, and plainly not the value logged.
  line.data = json !== undefined && json.length > LOG_TEXT_LIMIT ? truncatedText(json, LOG_TEXT_LIMIT) : data;
  return line;
}
