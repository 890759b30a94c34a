import {
  ListWorkflowsOutput,
  MoveVersionTasksOutput,
  type WorkflowInfo,
  WorkflowPauseView,
} from '@kaygraph/contracts';
import type { Command } from 'commander';
import { workflowDefaultFacts } from '../../text/index.ts';
import { type CliIo, printJson, printTable, writeLine } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

/** What a submit of each workflow gets unless it says otherwise: its `defaults` as the api lists them. */
function printDefaults(io: CliIo, workflows: readonly WorkflowInfo[]): void {
  const rows = workflows.map((workflow) => ({
    name: workflow.name,
    facts: workflowDefaultFacts(workflow.defaults),
  }));
  const labels = rows[0]?.facts.map((fact) => fact.label.toUpperCase()) ?? [];
  printTable(
    io,
    ['WORKFLOW', ...labels],
    rows.map((row) => [row.name, ...row.facts.map((fact) => fact.value)]),
  );
}

/**
 * `kaygraph workflows ...`: what workers registered, moving a retired version's tasks, pausing and resuming
 * a workflow (`workflows.*`).
 */
export function registerWorkflowCommands(program: Command, session: CliSession): void {
  const workflows = program
    .command('workflows')
    .description("registered workflows and their versions; move a retired version's tasks; pause, resume");

  workflows
    .command('list', { isDefault: true })
    .description(
      "each workflow version: current or not, its live workers and unfinished tasks, paused or not; then each workflow's defaults",
    )
    .action(
      action(session, async (s) => {
        const raw = await s.procedure('query', 'workflows.list', undefined);
        const listed = ListWorkflowsOutput.safeParse(raw);
        if (s.json || !listed.success) {
          printJson(s.io, raw);
          return 0;
        }
        const listedWorkflows = listed.data.workflows;
        if (listedWorkflows.length === 0) {
          writeLine(s.io.stdout, 'no workflows registered (start a worker)');
          return 0;
        }
        printTable(
          s.io,
          ['WORKFLOW', 'VERSION', 'CURRENT', 'WORKERS', 'UNFINISHED', 'PAUSED'],
          listedWorkflows.flatMap((workflow) =>
            workflow.versions.map((version) => [
              workflow.name,
              version.version,
              version.current ? 'yes' : '',
              version.workers.length,
              version.unfinished_tasks,
              workflow.paused ? 'yes' : '',
            ]),
          ),
        );
        writeLine(s.io.stdout);
        printDefaults(s.io, listedWorkflows);
        return 0;
      }),
    );

  workflows
    .command('move-tasks <workflow> <version>')
    .description(
      'move the unfinished tasks of a version no worker runs any more to the current version (admin)',
    )
    .option('--include-checkpoints', 'also tasks that resume from a checkpoint (waiting, retried)')
    .action(
      action(session, async (s, options, name, version) => {
        const raw = await s.procedure('mutate', 'workflows.moveTasks', {
          name,
          version,
          include_checkpoints: options.includeCheckpoints === true,
        });
        const answer = MoveVersionTasksOutput.safeParse(raw);
        if (s.json || !answer.success) {
          printJson(s.io, raw);
          return 0;
        }
        const { moved, kept_total, kept, from_version, to_version } = answer.data;
        writeLine(
          s.io.stdout,
          `moved ${moved} task(s) from version ${from_version} to ${to_version}; ${kept_total} stayed`,
        );
        for (const task of kept) writeLine(s.io.stdout, `  ${task.task_id} ${task.status}: ${task.message}`);
        if (kept.length < kept_total) writeLine(s.io.stdout, `  ... and ${kept_total - kept.length} more`);
        return 0;
      }),
    );

  for (const [verb, description] of [
    ['pause', 'stop every worker from starting tasks of a workflow; submits still queue them (admin)'],
    ['resume', "let the workers start a paused workflow's queued tasks at once (admin)"],
  ] as const) {
    workflows
      .command(`${verb} <workflow>`)
      .description(description)
      .action(
        action(session, async (s, _options, name) => {
          const raw = await s.procedure('mutate', `workflows.${verb}`, { name });
          const answer = WorkflowPauseView.safeParse(raw);
          if (s.json || !answer.success) {
            printJson(s.io, raw);
            return 0;
          }
          const view = answer.data;
          writeLine(
            s.io.stdout,
            view.paused
              ? `${view.name} is paused since ${view.paused_at} (by ${view.paused_by}): its tasks stay queued`
              : `${view.name} is not paused: workers start its queued tasks`,
          );
          return 0;
        }),
      );
  }
}
