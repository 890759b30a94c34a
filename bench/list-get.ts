/**
 * List/get latency with 1,000,000 tasks in the table (`node bench/list-get.ts [--database-url URL]
 * [--rows N]`). The rows are bulk-loaded with one INSERT ... SELECT generate_series (100 owners, four
 * workflows, a realistic mix of statuses, one per second of creation time), then an api process answers
 * GET /tasks (first page, filters, cursor pages) and GET /tasks/{id} over HTTP, one request at a time.
 * The baseline is the same read as plain SQL on postgres.js against the same table in the same run.
 */

import { migrate } from '@kaygraph/db';
import { Processes } from '@kaygraph/e2e/processes';
import postgres from 'postgres';
import {
  argValue,
  DEFAULT_SERVER_URL,
  type Figure,
  percentile,
  printFigures,
  withScratchDatabase,
} from './scratch-database.ts';

const SAMPLES = 300;
const WARMUP = 20;

async function bulkLoad(sql: postgres.Sql, rows: number): Promise<void> {
  await sql`
    insert into tasks (owner, workflow, params, status, priority, max_retries, timeout_seconds, attempt,
                       progress, result, created_at, updated_at, started_at, completed_at)
    select 'owner_' || (g % 100),
           (array['demo', 'data_processing', 'document_indexing', 'model_training'])[1 + g % 4],
           jsonb_build_object('n', g),
           s.status,
           (array['low', 'normal', 'normal', 'high'])[1 + g % 4],
           3, 3600, case when s.status in ('queued') then 0 else 1 end,
           case when s.status = 'completed' then 100 else 0 end,
           case when s.status = 'completed' then jsonb_build_object('ok', true) end,
           t.at, t.at, t.at, case when s.status in ('completed', 'failed', 'cancelled') then t.at end
    from generate_series(1, ${rows}::int) g
    cross join lateral (select now() - make_interval(secs => ${rows}::int - g) as at) t
    cross join lateral (
      select (array['completed', 'completed', 'completed', 'completed', 'completed', 'completed', 'completed',
                    'failed', 'cancelled', 'queued'])[1 + (g * 7) % 10] as status
    ) s`;
  await sql`vacuum analyze tasks`;
}

async function latencies(samples: number, one: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples + WARMUP; i++) {
    const started = performance.now();
    await one(i);
    if (i >= WARMUP) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

async function getJson(
  url: string,
): Promise<{ items?: { task_id?: string }[]; next_cursor?: string | null }> {
  const response = await fetch(url);
  if (response.status !== 200)
    throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { items?: { task_id?: string }[]; next_cursor?: string | null };
}

const fmt = (sorted: number[]) =>
  `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)}`;

export async function runListGetBench(
  options: { databaseUrl?: string; rows?: number } = {},
): Promise<Figure[]> {
  const rows = options.rows ?? 1_000_000;
  return withScratchDatabase(options.databaseUrl ?? DEFAULT_SERVER_URL, 'list_get', async (url) => {
    await migrate(url);
    const sql = postgres(url, { max: 2, onnotice: () => {} });
    const processes = new Processes();
    try {
      const loadStarted = performance.now();
      await bulkLoad(sql, rows);
      const loadSeconds = (performance.now() - loadStarted) / 1000;
      const ids = (await sql<{ id: string }[]>`select id from tasks tablesample system (1) limit 2000`).map(
        (r) => r.id,
      );
      const api = await processes.startApi({ databaseUrl: url, env: { LOG_LEVEL: 'warn' } });
      const pick = (i: number) => ids[(i * 7919) % ids.length] ?? '';

      const get = await latencies(SAMPLES, async (i) => {
        await getJson(`${api.url}/tasks/${pick(i)}`);
      });
      const listFirst = await latencies(SAMPLES, async () => {
        await getJson(`${api.url}/tasks?limit=50`);
      });
      const listFiltered = await latencies(SAMPLES, async (i) => {
        const filters = [
          'status=failed',
          'workflow=demo&status=completed',
          `owner=owner_${i % 100}`,
          'status=queued&workflow=model_training',
        ];
        await getJson(`${api.url}/tasks?limit=50&${filters[i % filters.length]}`);
      });
      // Ten pages deep by cursor, each page timed.
      const listPaged: number[] = [];
      for (let walk = 0; walk < Math.ceil((SAMPLES + WARMUP) / 10); walk++) {
        let cursor: string | null | undefined;
        for (let page = 0; page < 10; page++) {
          const started = performance.now();
          const body = await getJson(
            `${api.url}/tasks?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          );
          if (walk > 1) listPaged.push(performance.now() - started);
          cursor = body.next_cursor;
          if (!cursor) break;
        }
      }
      listPaged.sort((a, b) => a - b);

      const rawGet = await latencies(SAMPLES, async (i) => {
        await sql`select * from tasks where id = ${pick(i)}`;
      });
      const rawList = await latencies(SAMPLES, async () => {
        await sql`select * from tasks order by created_at desc nulls last, id desc nulls last limit 51`;
      });
      const pass = (sorted: number[]) => percentile(sorted, 99) < 20;
      return [
        {
          name: `GET /tasks/{id}, ${rows.toLocaleString('en')} rows, p50 / p99 (ms; bulk load ${loadSeconds.toFixed(0)} s)`,
          result: fmt(get),
          baseline: `${fmt(rawGet)} (SQL by id)`,
          goal: 'p99 < 20',
          pass: pass(get),
        },
        {
          name: 'GET /tasks?limit=50, newest first, p50 / p99 (ms)',
          result: fmt(listFirst),
          baseline: `${fmt(rawList)} (SQL page)`,
          goal: 'p99 < 20',
          pass: pass(listFirst),
        },
        {
          name: 'GET /tasks with status / workflow / owner filters, p50 / p99 (ms)',
          result: fmt(listFiltered),
          baseline: '',
          goal: 'p99 < 20',
          pass: pass(listFiltered),
        },
        {
          name: 'GET /tasks cursor pages 1-10, p50 / p99 (ms)',
          result: fmt(listPaged),
          baseline: '',
          goal: 'p99 < 20',
          pass: pass(listPaged),
        },
      ];
    } finally {
      await processes.killAll();
      await sql.end({ timeout: 5 });
    }
  });
}

if (import.meta.main) {
  const rows = argValue('rows');
  const figures = await runListGetBench({
    databaseUrl: argValue('database-url'),
    ...(rows ? { rows: Number(rows) } : {}),
  });
  printFigures('list/get benchmark', figures);
}
