import type { Command } from 'commander';
import { CliError, printJson, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { resolveTaskId } from '../task-ref.ts';
import { action } from './action.ts';

function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(
      'BAD_REQUEST',
      `--data is not valid JSON: ${(error as Error).message} (e.g. --data '{"approved": true}')`,
      2,
    );
  }
}

export function registerSignalCommand(program: Command, session: CliSession): void {
  program
    .command('signal <task_id> <name>')
    .description(
      "send a signal to a task that waits for it (or will); the api checks the payload against the workflow's schema",
    )
    .option('-d, --data <json>', 'the payload, as JSON', '{}')
    .option(
      '--idempotency-key <key>',
      'names this signal: sent again to the task, it gets the first answer and changes nothing',
    )
    .action(
      action(session, async (s, options, named = '', name = '') => {
        const taskId = await resolveTaskId(s, named, true);
        const payload = parsePayload(String(options.data ?? '{}'));
        const idempotencyKey = options.idempotencyKey as string | undefined;
        const answer = await s.api(
          (client) =>
            client.tasks.signal.mutate({ task_id: taskId, name, payload, idempotency_key: idempotencyKey }),
          'tasks.signal',
        );
        if (s.json) printJson(s.io, answer);
        else
          writeLine(
            s.io.stdout,
            answer.taken === 'resumed'
              ? `${answer.task_id} ${answer.name}: resumed (status ${answer.status})`
              : `${answer.task_id} ${answer.name}: stored until the task waits for it (status ${answer.status})`,
          );
        if (!s.json && answer.deduplicated)
          writeLine(s.io.stderr, 'an earlier signal with this idempotency key: its answer, nothing changed');
        return 0;
      }),
    );
}
