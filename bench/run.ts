/**
 * `npm run bench`: every benchmark, one table. Each figure stands beside a baseline measured in the same
 * run on the same PostgreSQL server (raw pg-boss, plain SQL), with its goal and pass/miss, and the table
 * is written to bench/RESULTS.md with the machine, the versions and the date.
 *
 * node bench/run.ts [--database-url URL] [--tasks N] [--rows N] [--soak-tasks N] [--waiting N]
 *                   [--partition-rows N] [--skip a,b]
 *   --tasks           no-op tasks of the drain benchmarks (default 10,000)
 *   --rows            rows of the list/get table (default 1,000,000)
 *   --soak-tasks      tasks of the soak (default 100,000; 0 skips it)
 *   --waiting         waiting tasks of the waits section (default 10,000)
 *   --partition-rows  generated rows of its partitioned data_processing (default 2,000,000)
 *   --skip            any of lifecycle, api, submit-many, list-get, schedules, soak, waits (schedules takes
 *                     ~5 real minutes)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { runApiBench } from './api.ts';
import { benchDatabaseUrl } from './env.ts';
import { runLifecycleBench } from './lifecycle.ts';
import { runListGetBench } from './list-get.ts';
import { runScheduleLatenessBench } from './schedule-lateness.ts';
import {
  argValue,
  type BenchRow,
  DEFAULT_SERVER_URL,
  type Figure,
  printFigures,
} from './scratch-database.ts';
import { runSoak } from './soak.ts';
import { runSubmitManyBench } from './submit-many.ts';
import { runWaitsBench } from './waits.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Pass or miss of a value against a goal written as in the issue (`>= 0.6x`, `>= 0.85 of the floor`,
 * `<= 5 / <= 15`, `< 250`, `N / N`).
 */
export function meetsGoal(goal: string, value: string): boolean | undefined {
  const numbers = (value.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
  let m = /^>=\s*([\d.]+)x/.exec(goal);
  if (m) {
    const ratio = /([\d.]+)x/.exec(value);
    return ratio ? Number(ratio[1]) >= Number(m[1]) : false;
  }
  m = /^>=\s*([\d.]+) of the floor/.exec(goal);
  if (m) {
    const ratio = /([\d.]+) of the floor/.exec(value);
    return ratio ? Number(ratio[1]) >= Number(m[1]) : false;
  }
  m = /^<=\s*([\d.]+)\s*\/\s*<=\s*([\d.]+)/.exec(goal);
  if (m) return (numbers[0] ?? Infinity) <= Number(m[1]) && (numbers[1] ?? Infinity) <= Number(m[2]);
  m = /^<\s*([\d.]+)/.exec(goal);
  if (m) return (numbers[0] ?? Infinity) < Number(m[1]);
  if (/^\d+ \/ \d+$/.test(goal)) return value.trim() === goal;
  return undefined;
}

function figure(row: BenchRow, baseline = ''): Figure {
  return {
    name: row.name,
    result: row.value,
    baseline,
    goal: row.goal,
    pass: meetsGoal(row.goal, row.value),
  };
}

/**
 * Lifecycle rows: the raw pg-boss batched drain is the baseline of the drain rows, and raw pg-boss
 * send -> work() pickup the baseline of submit -> running.
 */
function lifecycleFigures(rows: BenchRow[]): Figure[] {
  const drain = rows.find((row) => row.name.startsWith('raw pg-boss batched drain'));
  const pickup = rows.find((row) => row.name.startsWith('raw pg-boss send -> work()'));
  return rows
    .filter((row) => row !== drain && row !== pickup)
    .map((row) => {
      if (drain && row.name.includes('drain'))
        return figure(row, `${drain.value} (raw pg-boss batched drain)`);
      if (pickup && row.name.startsWith('submit -> running'))
        return figure(row, `${pickup.value} (raw pg-boss send -> work(), idle)`);
      return figure(row);
    });
}

/** API rows: HTTP submit, raw send and their ratio become one figure. */
function apiFigures(rows: BenchRow[]): Figure[] {
  const http = rows.find((row) => row.name.startsWith('submit over HTTP'));
  const send = rows.find((row) => row.name.startsWith('raw pg-boss send'));
  const ratio = rows.find((row) => row.name.startsWith('HTTP submit / raw send'));
  const rest = rows.filter((row) => row !== http && row !== send && row !== ratio).map((row) => figure(row));
  if (!http || !send || !ratio) return rows.map((row) => figure(row));
  return [
    {
      name: `API submit: ${http.name}`,
      result: `${http.value} (${ratio.value})`,
      baseline: `${send.value} (raw pg-boss send, 10 in flight)`,
      goal: ratio.goal,
      pass: meetsGoal(ratio.goal, ratio.value),
    },
    ...rest,
  ];
}

async function environment(databaseUrl: string): Promise<string[]> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const [row] = await sql<{ version: string }[]>`select version()`;
  await sql.end({ timeout: 5 });
  const bossVersion = (
    JSON.parse(readFileSync(`${ROOT}node_modules/pg-boss/package.json`, 'utf8')) as { version: string }
  ).version;
  const gb = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), ${gb(totalmem())} memory (${gb(freemem())} free at the start)`,
    `- Load average at the start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min)`,
    `- Node ${process.version}; ${row?.version.split(',')[0] ?? 'PostgreSQL ?'}; pg-boss ${bossVersion}`,
    `- Database server: ${new URL(databaseUrl).host}`,
  ];
}

const skip = new Set((argValue('skip') ?? '').split(',').filter(Boolean));
const databaseUrl = argValue('database-url') ?? benchDatabaseUrl ?? DEFAULT_SERVER_URL;
const tasks = Number(argValue('tasks') ?? 10_000);
const rows = Number(argValue('rows') ?? 1_000_000);
const soakTasks = Number(argValue('soak-tasks') ?? 100_000);
const waiting = Number(argValue('waiting') ?? 10_000);
const partitionRows = Number(argValue('partition-rows') ?? 2_000_000);

const header = await environment(databaseUrl);
const figures: Figure[] = [];
const sections: [string, () => Promise<Figure[]>][] = [
  ['lifecycle', async () => lifecycleFigures(await runLifecycleBench({ databaseUrl, tasks }))],
  ['api', async () => apiFigures(await runApiBench({ databaseUrl }))],
  ['submit-many', () => runSubmitManyBench({ databaseUrl, tasks: Math.max(tasks, 20_000) })],
  ['list-get', () => runListGetBench({ databaseUrl, rows })],
  ['schedules', () => runScheduleLatenessBench({ databaseUrl })],
  ['soak', async () => (soakTasks > 0 ? (await runSoak({ databaseUrl, tasks: soakTasks })).figures : [])],
  ['waits', () => runWaitsBench({ databaseUrl, waiting, partitionRows })],
];
/** Written after every section, so a run that dies late still leaves what it measured. */
function writeResults(done: boolean): void {
  const table = [
    '| Benchmark | result | baseline (same run) | goal | pass |',
    '|---|---:|---:|---:|:---:|',
    ...figures.map(
      (f) =>
        `| ${f.name} | ${f.result} | ${f.baseline} | ${f.goal} | ${f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS'} |`,
    ),
  ];
  writeFileSync(
    `${ROOT}bench/RESULTS.md`,
    [
      '# Benchmark results',
      '',
      'Written by `npm run bench` (bench/run.ts). Every baseline was measured in the same run, on the same',
      'PostgreSQL server, right before or after the figure beside it.',
      '',
      ...header,
      `- Load average at the ${done ? 'end' : 'last completed section'}: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}`,
      `- Settings: ${tasks} drain tasks, ${rows.toLocaleString('en')} list/get rows, ${soakTasks.toLocaleString('en')} soak tasks, ${waiting.toLocaleString('en')} waiting tasks, ${partitionRows.toLocaleString('en')} partitioned rows${skip.size ? `; skipped: ${[...skip].join(', ')}` : ''}`,
      '',
      ...table,
      '',
    ].join('\n'),
  );
}

for (const [name, run] of sections) {
  if (skip.has(name)) continue;
  const started = performance.now();
  process.stderr.write(`bench: ${name}...\n`);
  try {
    figures.push(...(await run()));
  } catch (error) {
    // One broken section must not hide the others: it shows up in the table as a miss.
    const message = error instanceof Error ? error.message : String(error);
    figures.push({
      name: `${name} (failed)`,
      result: message.split('\n')[0] ?? '',
      baseline: '',
      goal: 'runs',
      pass: false,
    });
  }
  process.stderr.write(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  writeResults(false);
}
writeResults(true);
printFigures('KayGraph Tasks benchmark', figures);
process.stderr.write('bench: wrote bench/RESULTS.md\n');
