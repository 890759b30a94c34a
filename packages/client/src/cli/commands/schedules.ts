import { ListSchedulesOutput, PRIORITIES, ScheduleView } from '@kaygraph/contracts';
import type { Command } from 'commander';
import { CliError, parseJsonOption, printJson, printTable, wholeNumberOption, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

/** A schedule as an api answers it; one from before `last_error` answers without it. */
const ShownSchedule = ScheduleView.partial({ last_error: true });
type ShownSchedule = ReturnType<typeof ShownSchedule.parse>;
const ShownSchedules = ListSchedulesOutput.extend({ items: ShownSchedule.array() });

/** Why the schedule's last due occurrence created no task, as one line; null while it fired. */
function skipLine(schedule: ShownSchedule): string | null {
  const skip = schedule.last_error;
  if (!skip) return null;
  return `${schedule.name} (${schedule.schedule_id}): the occurrence at ${skip.occurrence_at} created no task: ${skip.code}: ${skip.message}`;
}

function printSchedule(session: CliSession, raw: unknown): void {
  const parsed = ShownSchedule.safeParse(raw);
  if (session.json || !parsed.success) {
    printJson(session.io, raw);
    return;
  }
  const schedule = parsed.data;
  writeLine(
    session.io.stdout,
    `${schedule.schedule_id} ${schedule.name} ${schedule.enabled ? 'enabled' : 'paused'} ` +
      `"${schedule.cron}" ${schedule.timezone} -> ${schedule.workflow}` +
      (schedule.next_runs[0] ? ` (next ${schedule.next_runs[0]})` : ''),
  );
  const skipped = skipLine(schedule);
  if (skipped) writeLine(session.io.stdout, `skipped: ${skipped}`);
}

/** Options shared by create and update: only what was given is sent. */
function scheduleFields(options: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (options.name !== undefined) fields.name = options.name;
  if (options.cron !== undefined) fields.cron = options.cron;
  if (options.timezone !== undefined) fields.timezone = options.timezone;
  if (options.workflow !== undefined) fields.workflow = options.workflow;
  if (options.params !== undefined) fields.params = parseJsonOption('--params', String(options.params));
  if (options.priority !== undefined) {
    if (!(PRIORITIES as readonly string[]).includes(String(options.priority))) {
      throw new CliError('BAD_REQUEST', `--priority must be one of ${PRIORITIES.join(', ')}`, 2);
    }
    fields.priority = options.priority;
  }
  if (options.concurrencyKey !== undefined) fields.concurrency_key = options.concurrencyKey;
  if (options.clearConcurrencyKey) fields.concurrency_key = null;
  return fields;
}

/** `kaygraph schedules ...`: cron schedules (procedures `schedules.*` of the api). */
export function registerScheduleCommands(program: Command, session: CliSession): void {
  const schedules = program.command('schedules').description('cron schedules that submit tasks');

  schedules
    .command('list', { isDefault: true })
    .description('every schedule with its next runs')
    .option('--limit <n>', 'how many (1-200)', '50')
    .action(
      action(session, async (s, options) => {
        const raw = await s.procedure('query', 'schedules.list', {
          limit: wholeNumberOption('--limit', options.limit as string | undefined),
        });
        const page = ShownSchedules.safeParse(raw);
        if (s.json || !page.success) {
          printJson(s.io, raw);
          return 0;
        }
        if (page.data.items.length === 0) writeLine(s.io.stdout, 'no schedules');
        else
          printTable(
            s.io,
            ['SCHEDULE', 'NAME', 'STATE', 'CRON', 'TZ', 'WORKFLOW', 'NEXT RUN', 'LAST RUN'],
            page.data.items.map((item) => [
              item.schedule_id,
              item.name,
              item.enabled ? 'enabled' : 'paused',
              item.cron,
              item.timezone,
              item.workflow,
              item.next_runs[0],
              item.last_run_at,
            ]),
          );
        const skipped = page.data.items.flatMap((item) => skipLine(item) ?? []);
        if (skipped.length > 0) writeLine(s.io.stdout, `\nskipped occurrences:\n${skipped.join('\n')}`);
        return 0;
      }),
    );

  schedules
    .command('create')
    .description('create a schedule, e.g. --name nightly --cron "0 2 * * *" --workflow daily_report')
    .requiredOption('--name <name>', 'unique per owner')
    .requiredOption('--cron <expression>', 'five fields: minute hour day-of-month month day-of-week')
    .requiredOption('--workflow <name>', 'the workflow each run submits')
    .option('-p, --params <json>', 'params of every run (JSON object)')
    .option('--timezone <tz>', 'IANA time zone (default UTC)')
    .option('--priority <priority>', `one of ${PRIORITIES.join(', ')}`)
    .option(
      '--concurrency-key <key>',
      "each run's concurrency_key (the workflow must declare concurrency_per_key)",
    )
    .option('--paused', 'create it paused')
    .action(
      action(session, async (s, options) => {
        const input = { ...scheduleFields(options), ...(options.paused ? { enabled: false } : {}) };
        printSchedule(s, await s.procedure('mutate', 'schedules.create', input));
        return 0;
      }),
    );

  schedules
    .command('update <schedule_id>')
    .description('change a schedule (only the options given)')
    .option('--name <name>')
    .option('--cron <expression>')
    .option('--workflow <name>')
    .option('-p, --params <json>')
    .option('--timezone <tz>')
    .option('--priority <priority>')
    .option('--concurrency-key <key>', "each run's concurrency_key from now on")
    .option('--clear-concurrency-key', 'runs from now on take no concurrency_key')
    .action(
      action(session, async (s, options, scheduleId = '') => {
        const fields = scheduleFields(options);
        if (Object.keys(fields).length === 0)
          throw new CliError('BAD_REQUEST', 'nothing to update: give an option', 2);
        printSchedule(
          s,
          await s.procedure('mutate', 'schedules.update', { schedule_id: scheduleId, ...fields }),
        );
        return 0;
      }),
    );

  for (const [verb, description] of [
    ['pause', 'stop a schedule from firing (keeps it)'],
    ['resume', 'let a paused schedule fire again'],
    ['delete', 'remove a schedule'],
  ] as const) {
    schedules
      .command(`${verb} <schedule_id>`)
      .description(description)
      .action(
        action(session, async (s, _options, scheduleId = '') => {
          const answer = await s.procedure('mutate', `schedules.${verb}`, { schedule_id: scheduleId });
          if (verb === 'delete') {
            if (s.json) printJson(s.io, answer);
            else writeLine(s.io.stdout, `${scheduleId} deleted`);
          } else printSchedule(s, answer);
          return 0;
        }),
      );
  }
}
