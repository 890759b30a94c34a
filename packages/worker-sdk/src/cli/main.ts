import { parseArgs } from 'node:util';
import { runWorkerCommand, WorkerUsageError } from './run-worker.ts';

const USAGE = `usage: kaygraph-worker <workflows module> [--concurrency N] [--database-url URL]

Runs the tasks of the workflows your module exports as \`catalog\`, on the api's database
(DATABASE_URL). Stops gracefully on SIGTERM or SIGINT.`;

/** The `kaygraph-worker` command: exit 0 after a graceful stop, 1 on a failure, 2 on bad usage. */
try {
  const { values, positionals } = parseArgs({
    options: {
      concurrency: { type: 'string', short: 'c' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
  } else {
    const [workflows, ...extra] = positionals;
    if (!workflows || extra.length > 0) throw new WorkerUsageError('name one workflows module');
    await runWorkerCommand({
      workflows,
      ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
      ...(values.concurrency ? { concurrency: values.concurrency } : {}),
    });
  }
} catch (error) {
  const usage =
    error instanceof WorkerUsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  if (usage) process.stderr.write(`${USAGE}\n`);
  process.exitCode = usage ? 2 : 1;
}
