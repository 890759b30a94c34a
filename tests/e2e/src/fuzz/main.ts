/**
 * The fuzz run against any api (`npm run fuzz -w @kaygraph/e2e -- --url http://127.0.0.1:8000 [--count N]
 * [--seed S] [--concurrency C] [--task-id ID]`). Prints what came back and every 5xx; exits 1 on any.
 * Without --task-id, ids are all made up (handlers behind a successful lookup are then not reached).
 */
import { runFuzz } from './run.ts';

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

const url = arg('url') ?? 'http://127.0.0.1:8000';
const report = await runFuzz({
  url,
  targets: { taskId: arg('task-id') ?? crypto.randomUUID() },
  count: Number(arg('count') ?? 10_000),
  seed: Number(arg('seed') ?? 20_261_126),
  concurrency: Number(arg('concurrency') ?? 20),
});
process.stdout.write(
  `${JSON.stringify(
    {
      url,
      count: report.count,
      seed: report.seed,
      seconds: Number(report.seconds.toFixed(1)),
      statuses: report.statuses,
      server_errors: report.serverErrors.length,
      transport_errors: report.transportErrors.length,
      created_tasks: new Set(report.createdTaskIds).size,
    },
    null,
    2,
  )}\n`,
);
for (const failure of report.serverErrors.slice(0, 20))
  process.stdout.write(
    `5xx #${failure.index} ${failure.case.label} -> ${failure.status}: ${failure.detail}\n`,
  );
process.exit(report.serverErrors.length > 0 ? 1 : 0);
