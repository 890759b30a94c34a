import type { Command } from 'commander';
import { CliError } from '../output.ts';
import type { CliSession } from '../session.ts';
import { action } from './action.ts';

/** What `@kaygraph/worker/cli` exports (typed here: the client never depends on the worker SDK). */
interface WorkerSdkCli {
  runWorkerCommand(options: { workflows: string; databaseUrl?: string; concurrency?: string }): Promise<void>;
}

// A variable, so neither tsc nor a bundler resolves it: the SDK is optional and server-side.
const WORKER_SDK_CLI = '@kaygraph/worker/cli';

async function loadWorkerSdk(): Promise<WorkerSdkCli> {
  try {
    return (await import(WORKER_SDK_CLI)) as WorkerSdkCli;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String(error).includes('@kaygraph/worker')) throw error;
    throw new CliError(
      'WORKER_SDK_MISSING',
      'kaygraph worker runs the worker SDK, which is not installed here: npm install @kaygraph/worker',
    );
  }
}

/** `kaygraph worker ./workflows.ts`: the worker SDK's command, for those who install both. */
export function registerWorkerCommand(program: Command, session: CliSession): void {
  program
    .command('worker')
    .description('run a worker for your workflows module (needs @kaygraph/worker installed)')
    .argument('<workflows>', 'path of the module that exports your `catalog`')
    .option('--concurrency <n>', 'tasks run at once (env KAYGRAPH_WORKER_CONCURRENCY, default 4)')
    .option('--database-url <url>', "the api's database (env DATABASE_URL)")
    .action(
      action(session, async (_s, options, workflows) => {
        const sdk = await loadWorkerSdk();
        await sdk.runWorkerCommand({
          workflows: workflows ?? '',
          ...(typeof options.databaseUrl === 'string' ? { databaseUrl: options.databaseUrl } : {}),
          ...(typeof options.concurrency === 'string' ? { concurrency: options.concurrency } : {}),
        });
        return 0;
      }),
    );
}
