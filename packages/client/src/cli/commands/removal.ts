import { type CleanTasksInput, TERMINAL_STATUSES, type TerminalStatus } from '@kaygraph/contracts';
import type { Command } from 'commander';
import { CliError, printJson, wholeNumberOption, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { resolveTaskId } from '../task-ref.ts';
import { action } from './action.ts';

function finishedStatusesOf(values: string[] | undefined): TerminalStatus[] | undefined {
  if (values === undefined) return undefined;
  for (const value of values) {
    if (!(TERMINAL_STATUSES as readonly string[]).includes(value)) {
      throw new CliError('BAD_REQUEST', `--status takes ${TERMINAL_STATUSES.join(', ')}`, 2);
    }
  }
  return values as TerminalStatus[];
}

/** `value` as one shell word: quoted unless it is made of characters a shell leaves alone. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * The `kaygraph clean` command that cleans with these options: `url` when the user gave `--url` (the
 * environment's stays the environment's; the API key is never printed).
 */
function cleanCommand(input: CleanTasksInput & { finished_before: string; url: string | undefined }): string {
  return [
    'kaygraph clean',
    input.url !== undefined ? `--url ${shellWord(input.url)}` : null,
    `--before ${shellWord(input.finished_before)}`,
    input.status ? `--status ${input.status.join(' ')}` : null,
    input.workflow ? `--workflow ${shellWord(input.workflow)}` : null,
    input.limit !== undefined ? `--limit ${input.limit}` : null,
  ]
    .filter((part) => part !== null)
    .join(' ');
}

/** `kaygraph remove` and `kaygraph clean`: finished tasks deleted before their RESULT_TTL. */
export function registerRemovalCommands(program: Command, session: CliSession): void {
  program
    .command('remove <task_id>')
    .description('delete a finished task now, with its child tasks, events and artifacts')
    .action(
      action(session, async (s, _options, named = '') => {
        const taskId = await resolveTaskId(s, named, true);
        const answer = await s.api(
          (client) => client.tasks.remove.mutate({ task_id: taskId }),
          'tasks.remove',
        );
        if (s.json) printJson(s.io, answer);
        else writeLine(s.io.stdout, `${answer.task_id} removed`);
        return 0;
      }),
    );

  program
    .command('clean')
    .description("delete finished tasks in bulk (yours; an admin key: everyone's), oldest first")
    .option('--status <statuses...>', `only these: ${TERMINAL_STATUSES.join(', ')} (default: all three)`)
    .option('--before <iso>', 'only tasks that finished before this time (default: now)')
    .option('--workflow <name>', 'only this workflow')
    .option('--limit <n>', "at most this many per call (and the server's MAX_BATCH_SIZE)")
    .action(
      action(session, async (s, options) => {
        const input = {
          status: finishedStatusesOf(options.status as string[] | undefined),
          finished_before: options.before as string | undefined,
          workflow: options.workflow as string | undefined,
          limit: wholeNumberOption('--limit', options.limit as string | undefined),
        };
        const answer = await s.api((client) => client.tasks.clean.mutate(input), 'tasks.clean');
        if (s.json) printJson(s.io, answer);
        else {
          // The next page under this call's cutoff: tasks that finished since are not part of this clean.
          // An older api returns no cutoff: running it again is all there is.
          const cutoff = answer.finished_before as string | undefined;
          const url = options.url !== undefined ? s.url : undefined;
          const next =
            cutoff === undefined ? 'run it again' : cleanCommand({ ...input, finished_before: cutoff, url });
          const more = answer.has_more ? `; more remain: ${next}` : '';
          writeLine(s.io.stdout, `removed ${answer.removed} task(s)${more}`);
        }
        return 0;
      }),
    );
}
