/** A database of its own for one benchmark, on the server the run uses; dropped afterwards. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function withScratchDatabase<T>(
  serverUrl: string,
  label: string,
  run: (url: string) => Promise<T>,
): Promise<T> {
  const name = `kg_bench_${label}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    return await run(url.toString());
  } finally {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end({ timeout: 5 });
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A figure as a section measures it, before run.ts puts a baseline beside it. */
export interface BenchRow {
  name: string;
  value: string;
  goal: string;
}

/** A figure of the final table: the result beside its baseline from the same run. */
export interface Figure {
  name: string;
  result: string;
  baseline: string;
  goal: string;
  /** undefined: informational (no goal). */
  pass: boolean | undefined;
}

/** `--name value` from argv, or undefined. */
export function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

export function printFigures(title: string, figures: readonly Figure[]): void {
  const lines = [`| ${title} | result | baseline (same run) | goal | pass |`, '|---|---:|---:|---:|:---:|'];
  for (const f of figures)
    lines.push(
      `| ${f.name} | ${f.result} | ${f.baseline} | ${f.goal} | ${f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS'} |`,
    );
  process.stdout.write(`${lines.join('\n')}\n`);
}
