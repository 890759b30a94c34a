import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { registerDeadLetterCommands } from './commands/dead-letters.ts';
import { registerGroupCommands } from './commands/groups.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerMetricsCommand } from './commands/metrics.ts';
import { registerRemovalCommands } from './commands/removal.ts';
import { registerScheduleCommands } from './commands/schedules.ts';
import { registerSignalCommand } from './commands/signal.ts';
import { registerTaskCommands } from './commands/tasks.ts';
import { registerWatchCommand } from './commands/watch.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { registerWorkflowCommands } from './commands/workflows.ts';
import type { CliEnv } from './env.ts';
import { CliError, type CliIo, printJson, writeLine } from './output.ts';
import { CliSession, DEFAULT_URL } from './session.ts';

// By the package's own name, so the same line works in the workspace and installed (Node 20 warns on JSON imports).
const { version } = createRequire(import.meta.url)('@kaygraph/client/package.json') as { version: string };

function buildProgram(session: CliSession, io: CliIo): Command {
  const program = new Command('kaygraph')
    .description(
      'Drive a KayGraph Tasks api from the terminal: submit, watch, manage tasks, schedules and keys.',
    )
    .version(version)
    .option('--url <url>', `the api's base URL (env KAYGRAPH_URL, default ${DEFAULT_URL})`)
    .option('--api-key <key>', 'API key (env KAYGRAPH_API_KEY)')
    .option('--json', 'machine-readable JSON output')
    .showHelpAfterError('(kaygraph --help lists the commands)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride();
  registerTaskCommands(program, session);
  registerRemovalCommands(program, session);
  registerWatchCommand(program, session);
  registerSignalCommand(program, session);
  registerScheduleCommands(program, session);
  registerDeadLetterCommands(program, session);
  registerGroupCommands(program, session);
  registerMetricsCommand(program, session);
  registerKeyCommands(program, session);
  registerWorkflowCommands(program, session);
  registerWorkerCommand(program, session);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/**
 * Runs one CLI invocation and returns its exit code: 0 success, 1 a failed or cancelled task or an
 * api error, 2 bad usage. Errors are one line on stderr (with --json: `{"error": {code, message}}`).
 *
 * @example process.exitCode = await runCli(process.argv.slice(2), process, readCliEnv());
 */
export async function runCli(argv: string[], io: CliIo, env: CliEnv): Promise<number> {
  const session = new CliSession(io, env);
  const program = buildProgram(session, io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return session.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are successes; usage errors were already printed by commander.
      return error.exitCode === 0 ? 0 : 2;
    }
    const failure =
      error instanceof CliError
        ? error
        : new CliError('ERROR', error instanceof Error ? error.message : String(error));
    if (argv.includes('--json'))
      printJson(
        { stdout: io.stderr, stderr: io.stderr },
        {
          error: {
            code: failure.code,
            message: failure.message,
            ...(failure.issues.length > 0 ? { issues: failure.issues } : {}),
          },
        },
      );
    else
      writeLine(io.stderr, `error: ${failure.code === 'ERROR' ? '' : `${failure.code}: `}${failure.message}`);
    return failure.exitCode;
  } finally {
    session.close();
  }
}
