import {
  PRIORITIES,
  type Priority,
  TASK_STATUSES,
  type TaskStatus,
  type TaskSummary,
} from '@kaygraph/contracts';
import type { Command } from 'commander';
import {
  CliError,
  describeTaskError,
  durationBetween,
  formatSeconds,
  parseJsonOption,
  printJson,
  printTable,
  wholeNumberOption,
  writeLine,
} from '../output.ts';
import type { CliSession } from '../session.ts';
import { resolveTaskId } from '../task-ref.ts';
import { describeTaskVersion } from '../version-note.ts';
import { describeWait } from '../wait-text.ts';
import { action } from './action.ts';
import { followTask } from './watch.ts';

function priorityOf(value: string | undefined): Priority | undefined {
  if (value === undefined) return undefined;
  if (!(PRIORITIES as readonly string[]).includes(value)) {
    throw new CliError('BAD_REQUEST', `--priority must be one of ${PRIORITIES.join(', ')}`, 2);
  }
  return value as Priority;
}

function statusOf(value: string | undefined): TaskStatus | undefined {
  if (value === undefined) return undefined;
  if (!(TASK_STATUSES as readonly string[]).includes(value)) {
    throw new CliError('BAD_REQUEST', `--status must be one of ${TASK_STATUSES.join(', ')}`, 2);
  }
  return value as TaskStatus;
}

export function registerTaskCommands(program: Command, session: CliSession): void {
  program
    .command('submit <workflow>')
    .description('submit a task; prints its id (with --wait: follows it and prints the result)')
    .option('-p, --params <json>', 'workflow params as a JSON object', '{}')
    .option('--priority <priority>', `one of ${PRIORITIES.join(', ')}`)
    .option(
      '--idempotency-key <key>',
      'a second submit with the same key returns the first task (another workflow: conflict)',
    )
    .option(
      '--concurrency-key <key>',
      "run at most the workflow's concurrency_per_key tasks with this key at once (the others wait queued)",
    )
    .option('--depends-on <ids...>', 'start only after these tasks completed')
    .option('--max-retries <n>', 'retries after the first attempt')
    .option(
      '--retry-delay <seconds>',
      'seconds before a retry (when the workflow backs off: the n-th waits 1x to 2x this times 2^(n-1))',
    )
    .option('--timeout <seconds>', 'fail the task after this many seconds')
    .option('--run-at <iso>', 'start no earlier than this time (ISO 8601)')
    .option('--delay <seconds>', 'start no earlier than this many seconds from now (not with --run-at)')
    .option('-w, --wait', 'follow the task until it ends and print its result')
    .action(
      action(session, async (s, options, workflow = '') => {
        const input = {
          workflow,
          params: parseJsonOption('--params', String(options.params ?? '{}')),
          priority: priorityOf(options.priority as string | undefined),
          idempotency_key: options.idempotencyKey as string | undefined,
          concurrency_key: options.concurrencyKey as string | undefined,
          depends_on: options.dependsOn as string[] | undefined,
          max_retries: wholeNumberOption('--max-retries', options.maxRetries as string | undefined),
          retry_delay: wholeNumberOption('--retry-delay', options.retryDelay as string | undefined),
          timeout_seconds: wholeNumberOption('--timeout', options.timeout as string | undefined),
          run_at: options.runAt as string | undefined,
          delay_seconds: wholeNumberOption('--delay', options.delay as string | undefined),
        };
        const submitted = await s.api((client) => client.tasks.submit.mutate(input), 'tasks.submit');
        if (!options.wait) {
          if (s.json) printJson(s.io, submitted);
          else writeLine(s.io.stdout, submitted.task_id);
          if (!s.json && submitted.deduplicated)
            writeLine(s.io.stderr, 'an earlier task with this idempotency key');
          return 0;
        }
        if (!s.json) writeLine(s.io.stderr, `submitted ${submitted.task_id} (${workflow})`);
        return followTask(s, submitted.task_id);
      }),
    );

  program
    .command('status <task_id>')
    .description("a task's status, progress, step and timing")
    .action(
      action(session, async (s, _options, named = '') => {
        const taskId = await resolveTaskId(s, named);
        const task = await s.api((client) => client.tasks.get.query({ task_id: taskId }), 'tasks.get');
        if (s.json) {
          printJson(s.io, task);
          return 0;
        }
        const rows: [string, string][] = [
          ['task', task.task_id],
          ['workflow', task.workflow],
          ['status', task.status],
          ['priority', task.priority],
          ['progress', `${Math.round(task.progress * 10) / 10}%`],
          ['step', task.step ?? '-'],
          ['message', task.message ?? '-'],
          // The server gives an ETA only while the task runs (0 once completed).
          ['eta', task.status === 'completed' ? '-' : formatSeconds(task.eta_seconds)],
          // Every run counts (a resume after a wait, a redrive), so it may pass max_retries + 1.
          ['attempt', String(task.attempt)],
          ['max retries', String(task.max_retries)],
          ['created', task.created_at],
          ['started', task.started_at ?? '-'],
          ['finished', task.completed_at ?? '-'],
          ['duration', formatSeconds(durationBetween(task.started_at, task.completed_at))],
        ];
        // The current run's time by the server's clock (a retry or a resume starts a new run).
        if (task.run_seconds !== null)
          rows.splice(rows.length - 1, 0, ['running for', formatSeconds(task.run_seconds)]);
        if (task.concurrency_key !== null) rows.splice(3, 0, ['concurrency key', task.concurrency_key]);
        if (task.wait) rows.splice(3, 0, ['waits for', describeWait(task.wait)]);
        // A delayed task, or a retry waiting out its backoff: when it becomes runnable (a time passed says nothing).
        const waitsToRun = task.status === 'scheduled' || task.status === 'queued';
        if (task.run_at && waitsToRun && Date.parse(task.run_at) > Date.now()) {
          rows.splice(3, 0, ['runs at', task.run_at]);
        }
        const version = describeTaskVersion(task);
        if (version !== null) rows.splice(2, 0, ['version', version]);
        if (task.error) rows.push(['error', describeTaskError(task.error)]);
        const labelWidth = Math.max(...rows.map(([label]) => label.length));
        for (const [label, value] of rows) writeLine(s.io.stdout, `${label.padEnd(labelWidth)} ${value}`);
        return 0;
      }),
    );

  program
    .command('list')
    .description('tasks, newest first')
    .option('--status <status>', 'only tasks in this status')
    .option('--workflow <name>', 'only tasks of this workflow')
    .option('--owner <owner>', "another owner's tasks (admin keys)")
    .option('--parent <task_id>', 'the child tasks of this task')
    .option('--key <idempotency_key>', 'the task submitted with this idempotency key')
    .option('--limit <n>', 'how many (1-200)', '20')
    .option('--cursor <cursor>', 'the next page, from a previous --json answer')
    .action(
      action(session, async (s, options) => {
        const parent =
          options.parent === undefined ? undefined : await resolveTaskId(s, String(options.parent));
        const page = await s.api(
          (client) =>
            client.tasks.list.query({
              status: statusOf(options.status as string | undefined),
              workflow: options.workflow as string | undefined,
              owner: options.owner as string | undefined,
              parent_task_id: parent,
              idempotency_key: options.key as string | undefined,
              limit: wholeNumberOption('--limit', options.limit as string | undefined),
              cursor: options.cursor as string | undefined,
            }),
          'tasks.list',
        );
        if (s.json) {
          printJson(s.io, page);
          return 0;
        }
        if (page.items.length === 0) {
          writeLine(s.io.stdout, 'no tasks');
          return 0;
        }
        printTable(
          s.io,
          ['TASK', 'WORKFLOW', 'STATUS', 'PRIORITY', 'PROGRESS', 'STEP', 'CREATED'],
          page.items.map((task: TaskSummary) => [
            task.task_id,
            task.workflow,
            task.status,
            task.priority,
            `${Math.round(task.progress)}%`,
            task.step,
            task.created_at,
          ]),
        );
        if (page.next_cursor) writeLine(s.io.stderr, `more: --cursor ${page.next_cursor}`);
        return 0;
      }),
    );

  program
    .command('result <task_id>')
    .description("a finished task's result (or its error)")
    .option('--workflow <name>', 'the workflow the task must be of (another one: conflict, exit 1)')
    .action(
      action(session, async (s, options, named = '') => {
        const taskId = await resolveTaskId(s, named);
        const workflow = options.workflow as string | undefined;
        const outcome = await s.api(
          (client) =>
            workflow === undefined
              ? client.tasks.result.query({ task_id: taskId })
              : client.tasks.result.query({ task_id: taskId, workflow }),
          'tasks.result',
        );
        if (s.json) printJson(s.io, outcome);
        else if (outcome.status === 'completed') printJson(s.io, outcome.result ?? null);
        else
          writeLine(
            s.io.stdout,
            `${outcome.status}${outcome.error ? `: ${describeTaskError(outcome.error)}` : ''}`,
          );
        return outcome.status === 'completed' ? 0 : 1;
      }),
    );

  const verbs = {
    cancel: 'cancel a waiting or running task',
    retry: 'run a failed or cancelled task again',
    promote: 'run a scheduled task (waiting for its --run-at) now',
  } as const;
  for (const [verb, description] of Object.entries(verbs) as [keyof typeof verbs, string][]) {
    program
      .command(`${verb} <task_id>`)
      .description(description)
      .action(
        action(session, async (s, _options, named = '') => {
          const taskId = await resolveTaskId(s, named, true);
          const answer = await s.api(
            (client) => client.tasks[verb].mutate({ task_id: taskId }),
            `tasks.${verb}`,
          );
          if (s.json) printJson(s.io, answer);
          else writeLine(s.io.stdout, `${answer.task_id} ${answer.status}`);
          return 0;
        }),
      );
  }
}
