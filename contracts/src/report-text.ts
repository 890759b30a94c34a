import { z } from 'zod';
import { JsonValue } from './common.ts';

/**
 * Characters a progress report's `step` and `message` keep, each (UTF-16 code units, as JavaScript counts
 * a string's length): a progress bar shows a line, and every watcher gets every report.
 */
export const PROGRESS_TEXT_LIMIT = 1000;

/** Characters a log line's `message` keeps, and its `data` written as JSON, each. */
export const LOG_TEXT_LIMIT = 16_000;

/** What ends a text that was cut: how long it was (`'N'`: the marker as documents show it). */
export function truncationMarker(length: number | 'N'): string {
  return `… (truncated, ${length} chars)`;
}

/**
 * `text` itself when it fits in `limit` characters, else its start ended by the truncation marker, in
 * `limit` characters in all. A character outside the BMP (an emoji: two code units) is never cut in half.
 *
 * @example truncatedText('x'.repeat(50_000_000), PROGRESS_TEXT_LIMIT) // 'xxx…x… (truncated, 50000000 chars)'
 */
export function truncatedText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const marker = truncationMarker(text.length);
  let keep = Math.max(0, limit - marker.length);
  const last = text.charCodeAt(keep - 1);
  // A high surrogate whose low half would be cut off.
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + marker;
}

/** A progress report's `step` or `message` (null: none) as answers and events carry it. */
export function progressText(what: 'step' | 'message') {
  return z
    .string()
    .nullable()
    .describe(
      `Progress ${what} as the run reported it, at most ${PROGRESS_TEXT_LIMIT} characters: a longer one is cut, ending in "${truncationMarker('N')}" (N: its length)`,
    );
}

/** A log line's `message` as its event carries it. */
export const LogText = z
  .string()
  .describe(
    `The line as the run logged it, at most ${LOG_TEXT_LIMIT} characters: a longer one is cut, ending in "${truncationMarker('N')}" (N: its length)`,
  );

/** What a run logged with a line, as its event carries it. */
export const LogData = JsonValue.describe(
  `What the run logged with the line. When its JSON is longer than ${LOG_TEXT_LIMIT} characters it is that JSON text, cut: a string ending in "${truncationMarker('N')}"; data JSON cannot write (a BigInt, a cycle) is a string saying why.`,
);
