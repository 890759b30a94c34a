import { DomainError } from '@kaygraph/contracts';
import { CronExpressionParser } from 'cron-parser';

const FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;

function invalid(path: string, message: string): DomainError {
  return new DomainError('BAD_REQUEST', message, { issues: [{ path, message }] });
}

function parse(expression: string, timezone: string, from: Date) {
  return CronExpressionParser.parse(expression, { tz: timezone, currentDate: from, strict: false });
}

/**
 * A five-field cron expression, normalised (single spaces). Errors name the field at fault:
 * `cron "61 * * * *": minute: Constraint error, got value 61 expected range 0-59`.
 */
export function validateCron(raw: string): string {
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw invalid(
      'cron',
      `cron "${raw}" must have 5 fields: minute hour day-of-month month day-of-week (e.g. "0 9 * * *")`,
    );
  }
  const expression = fields.join(' ');
  try {
    parse(expression, 'UTC', new Date());
    return expression;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // Parse each field alone to say which one is wrong.
    const culprit = FIELDS.find((_, index) => {
      const alone = FIELDS.map((__, other) => (other === index ? fields[index] : '*')).join(' ');
      try {
        parse(alone, 'UTC', new Date());
        return false;
      } catch {
        return true;
      }
    });
    throw invalid('cron', `cron "${expression}"${culprit ? `: ${culprit}` : ''}: ${reason}`);
  }
}

/**
 * An IANA time zone, in its canonical letter case when it is ICU's canonical name (`europe/berlin` ->
 * `Europe/Berlin`), else as sent: a current name ICU knows as a link of an older one (`Europe/Kyiv`,
 * `Asia/Kolkata`) or any other link (`US/Eastern`) is kept, not turned into the name ICU resolves it to.
 * UTC offsets such as `+01:00` are refused: they ignore daylight saving, which is what a named zone is for.
 */
export function validateTimezone(raw: string): string {
  const name = raw.trim();
  let canonical: string | undefined;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    canonical = undefined;
  }
  if (!canonical || /^[+-]/.test(canonical)) {
    throw invalid(
      'timezone',
      `timezone "${raw}" is not an IANA time zone name (e.g. "UTC", "Europe/Berlin", "America/New_York")`,
    );
  }
  return canonical.toLowerCase() === name.toLowerCase() ? canonical : name;
}

/** The next `count` occurrences after `from`. */
export function nextRuns(expression: string, timezone: string, count = 5, from = new Date()): string[] {
  const interval = parse(expression, timezone, from);
  return Array.from({ length: count }, () => interval.next().toDate().toISOString());
}

/** The latest occurrence at or before `now` that comes after `since`, or null (none due). */
export function dueOccurrence(expression: string, timezone: string, since: Date, now: Date): Date | null {
  const latest = parse(expression, timezone, new Date(now.getTime() + 1))
    .prev()
    .toDate();
  return latest.getTime() > since.getTime() ? latest : null;
}
