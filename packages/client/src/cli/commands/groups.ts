import { CancelGroupOutput } from '@kaygraph/contracts';
import type { Command } from 'commander';
import { printJson, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

/** `kaygraph groups ...`: task groups (procedures `groups.*` of the api). */
export function registerGroupCommands(program: Command, session: CliSession): void {
  const groups = program.command('groups').description('task groups');

  groups
    .command('cancel <group_id>')
    .description('cancel every unfinished task of a group')
    .action(
      action(session, async (s, _options, groupId = '') => {
        const raw = await s.procedure('mutate', 'groups.cancel', { group_id: groupId });
        const answer = CancelGroupOutput.safeParse(raw);
        if (s.json || !answer.success) printJson(s.io, raw);
        else
          writeLine(
            s.io.stdout,
            `${answer.data.group_id} ${answer.data.status}: cancelled ${answer.data.cancelled} task(s)`,
          );
        return 0;
      }),
    );
}
