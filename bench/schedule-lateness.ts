/**
 * Schedule lateness under one owner's schedule flood (`node bench/schedule-lateness.ts [--database-url URL]
 * [--minutes N]`): an owner's `* * * * *` schedule fires for N minutes with nothing else scheduled (the
 * baseline), then for N more minutes beside another owner's 1,000 `* * * * *` schedules, with one worker
 * running them (default MAX_QUEUE_SIZE 100, so most of the flood is skipped each minute). Lateness is the
 * task's creation time minus its occurrence (the minute), from the tasks table. Real minutes: about
 * 2N + 1 of them.
 */
import { fileURLToPath } from 'node:url';
import { createTaskSystem, type TaskSystem } from '@kaygraph/tasks';
import pino from 'pino';
import postgres from 'postgres';
import {
  argValue,
  DEFAULT_SERVER_URL,
  type Figure,
  printFigures,
  withScratchDatabase,
} from './scratch-database.ts';

const WORKFLOWS_MODULE = fileURLToPath(new URL('./lifecycle-workflows.ts', import.meta.url));
const SPAM = 1_000;
const other = { owner: 'other', admin: false };
const spammer = { owner: 'spammer', admin: false };
const everyMinute = (name: string) => ({
  name,
  cron: '* * * * *',
  workflow: 'bench_noop_inline',
  params: {},
});

/** Seconds from each occurrence of `scheduleId` to its task's creation, for occurrences after `from`. */
async function latenessOf(url: string, scheduleId: string, from: Date): Promise<number[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ key: string; created_at: Date }[]>`
      select idempotency_key as key, created_at from tasks
      where schedule_id = ${scheduleId} and created_at > ${from} order by created_at`;
    return rows.map((row) => {
      // The key is `schedule:<schedule id>:<occurrence ISO time>`.
      const occurrence = new Date(row.key.split(':').slice(2).join(':'));
      return (row.created_at.getTime() - occurrence.getTime()) / 1000;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Waits until `count` occurrences of the schedule fired after `from` (or the minutes they span passed). */
async function watch(url: string, scheduleId: string, from: Date, count: number): Promise<number[]> {
  const deadline = Date.now() + (count + 1.5) * 60_000;
  for (;;) {
    const lateness = await latenessOf(url, scheduleId, from);
    if (lateness.length >= count || Date.now() > deadline) return lateness;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

const describe = (values: readonly number[], count: number) =>
  values.length < count
    ? `${values.length} of ${count} fired`
    : `max ${Math.max(...values).toFixed(2)} s, mean ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(2)} s`;

async function measure(url: string, minutes: number): Promise<{ baseline: number[]; flooded: number[] }> {
  const system: TaskSystem = await createTaskSystem({
    databaseUrl: url,
    logger: pino({ level: 'warn' }),
    maxSchedulesPerOwner: SPAM,
  });
  try {
    await system.startWorker({ concurrency: 2, workflowsModule: WORKFLOWS_MODULE });
    const mine = await system.orchestration.schedules.create(other, everyMinute('mine'));
    const baseline = await watch(url, mine.schedule_id, new Date(0), minutes);
    for (let n = 0; n < SPAM; n++) {
      await system.orchestration.schedules.create(spammer, everyMinute(`spam ${n}`));
    }
    const flooded = await watch(url, mine.schedule_id, new Date(), minutes);
    return { baseline, flooded };
  } finally {
    await system.close();
  }
}

export async function runScheduleLatenessBench(
  options: { databaseUrl?: string; minutes?: number } = {},
): Promise<Figure[]> {
  const minutes = options.minutes ?? 2;
  return withScratchDatabase(options.databaseUrl ?? DEFAULT_SERVER_URL, 'schedules', async (url) => {
    const { baseline, flooded } = await measure(url, minutes);
    const worst = flooded.length < minutes ? Number.POSITIVE_INFINITY : Math.max(...flooded);
    return [
      {
        name: `another owner's \`* * * * *\` schedule beside ${SPAM.toLocaleString('en')} of one owner (lateness, ${minutes} occurrences)`,
        result: describe(flooded, minutes),
        baseline: `${describe(baseline, minutes)} (no other schedules)`,
        goal: '< 5 s',
        pass: worst < 5,
      },
    ];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await runScheduleLatenessBench({
    databaseUrl: argValue('database-url') ?? DEFAULT_SERVER_URL,
    minutes: Number(argValue('minutes') ?? 2),
  });
  printFigures('Schedule lateness', figures);
}
