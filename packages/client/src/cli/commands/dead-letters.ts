import { ListDeadLettersOutput, RedriveAllOutput, RedriveOutput } from '@kaygraph/contracts';
import type { Command } from 'commander';
import { CliError, printJson, printTable, wholeNumberOption, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

/** `kaygraph dlq ...`: failed tasks, each with its reason (procedures `deadLetters.*` of the api). */
export function registerDeadLetterCommands(program: Command, session: CliSession): void {
  const dlq = program.command('dlq').description('the dead-letter queue: failed tasks with their reasons');

  // The group's name alone lists, as `git stash` does.
  dlq
    .command('list', { isDefault: true })
    .description('dead letters with their last error (what `kaygraph dlq` alone shows)')
    .option('--workflow <name>', 'only this workflow')
    .option('--limit <n>', 'how many (1-200)', '50')
    .action(
      action(session, async (s, options) => {
        const raw = await s.procedure('query', 'deadLetters.list', {
          workflow: options.workflow as string | undefined,
          limit: wholeNumberOption('--limit', options.limit as string | undefined),
        });
        const page = ListDeadLettersOutput.safeParse(raw);
        if (s.json || !page.success) {
          printJson(s.io, raw);
          return 0;
        }
        if (page.data.items.length === 0) writeLine(s.io.stdout, 'no dead letters');
        else
          printTable(
            s.io,
            ['TASK', 'WORKFLOW', 'ATTEMPTS', 'NODE', 'ERROR', 'DEAD SINCE'],
            page.data.items.map((item) => [
              item.task_id,
              item.workflow,
              item.attempt,
              // The node that threw, which the error cut to 80 characters would lose.
              item.error?.node_id ?? '-',
              item.error ? `${item.error.code}: ${item.error.message}`.slice(0, 80) : null,
              item.dead_lettered_at,
            ]),
          );
        return 0;
      }),
    );

  dlq
    .command('redrive [task_id]')
    .description('queue a dead letter again (or all of them with --all)')
    .option('--all', 'every dead letter (of --workflow, if given)')
    .option('--workflow <name>', 'with --all: only this workflow')
    .option('--limit <n>', 'with --all: at most this many (a key with a small rate limit)')
    .action(
      action(session, async (s, options, taskId) => {
        if (options.all) {
          const raw = await s.procedure('mutate', 'deadLetters.redriveAll', {
            workflow: options.workflow as string | undefined,
            limit: wholeNumberOption('--limit', options.limit as string | undefined),
          });
          // An api from before has_more answers without it: the count is still worth saying.
          const answer = RedriveAllOutput.partial({ has_more: true }).safeParse(raw);
          if (s.json || !answer.success) printJson(s.io, raw);
          else {
            const more = answer.data.has_more ? '; more remain: run it again' : '';
            writeLine(s.io.stdout, `redrove ${answer.data.redriven} dead letter(s)${more}`);
          }
          return 0;
        }
        if (!taskId) throw new CliError('BAD_REQUEST', 'give a task id, or --all', 2);
        const raw = await s.procedure('mutate', 'deadLetters.redrive', { task_id: taskId });
        const answer = RedriveOutput.safeParse(raw);
        if (s.json || !answer.success) printJson(s.io, raw);
        else writeLine(s.io.stdout, `${answer.data.task_id} ${answer.data.status}`);
        return 0;
      }),
    );

  dlq
    .command('purge <task_id>')
    .description('drop a dead letter for good')
    .action(
      action(session, async (s, _options, taskId = '') => {
        const raw = await s.procedure('mutate', 'deadLetters.purge', { task_id: taskId });
        if (s.json) printJson(s.io, raw);
        else writeLine(s.io.stdout, `${taskId} purged`);
        return 0;
      }),
    );
}
