/**
 * The api's memory serving a group of large results (`node bench/group-results.ts [--tasks 40]
 * [--result-mb 9.9] [--readers 2] [--database-url postgres://...]`): a group of `--tasks` completed tasks,
 * each holding a result of `--result-mb`, read by `--readers` concurrent `GET /groups/{id}`, then every page
 * of it read in turn. Prints the api's peak RSS in each phase, the first phase's time and the bytes each
 * answer carried. The rows
 * are written straight into a scratch database (no worker runs), as bench/big-payloads.ts does.
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { rssMb, startApi, stop } from './api-processes.ts';
import { peakRss, readAll } from './peak-rss.ts';
import { DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: DEFAULT_SERVER_URL },
    tasks: { type: 'string', default: '40' },
    'result-mb': { type: 'string', default: '9.9' },
    readers: { type: 'string', default: '2' },
  },
});
const MB = 1024 * 1024;
const tasks = Number(values.tasks);
const resultBytes = Math.floor(Number(values['result-mb']) * MB);
const readers = Number(values.readers);
const OWNER = 'anonymous';

/** A group of `count` completed tasks, each with `result` (one parameter: PostgreSQL copies it). */
async function insertGroup(sql: postgres.Sql, count: number, result: string): Promise<string> {
  const [group] = await sql<{ id: string }[]>`
    insert into task_groups (owner, name) values (${OWNER}, 'bench') returning id`;
  const groupId = group?.id ?? '';
  await sql`insert into tasks (id, owner, workflow, params, status, max_retries, timeout_seconds, attempt,
      result, group_id, created_at, completed_at, expires_at)
    select gen_random_uuid(), ${OWNER}, 'bench', '{}', 'completed', 0, 60, 1, ${result}::text::jsonb,
      ${groupId}, now() + i * interval '1 microsecond', now(), now() + interval '1 day'
    from generate_series(1, ${count}) as i`;
  return groupId;
}

await withScratchDatabase(values['database-url'], 'oncall_leftovers_groups', async (databaseUrl) => {
  const api = await startApi(databaseUrl);
  const pid = api.child.pid ?? 0;
  const exited = new Promise<never>((_, reject) =>
    api.child.once('exit', (code, signal) => reject(new Error(`the api exited (${signal ?? code})`))),
  );
  exited.catch(() => {});
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} });
  try {
    const groupId = await insertGroup(sql, tasks, JSON.stringify('x'.repeat(Math.max(0, resultBytes - 2))));
    const mib = (bytes: number) => (bytes / MB).toFixed(1);
    console.log(
      `a group of ${tasks} results of ${mib(resultBytes)} MiB (${mib(tasks * resultBytes)} MiB in all)`,
    );
    console.log(`api idle: ${(await rssMb(pid)).toFixed(0)} MB RSS`);
    let answers: number[] = [];
    const startedAt = performance.now();
    const first = await peakRss(pid, async () => {
      answers = await Promise.race([readAll(`${api.url}/groups/${groupId}`, readers), exited]);
    });
    const ms = (performance.now() - startedAt).toFixed(0);
    console.log(
      `${readers} concurrent GET /groups/{id}: peak ${first.peakMb.toFixed(0)} MB RSS, ${ms} ms, answers of ` +
        `${answers.map(mib).join(', ')} MiB${first.error ? `, FAILED: ${first.error}` : ''}`,
    );
    if (first.error) return;
    // Every page in turn, as a client reading the whole group does.
    let pages = 0;
    let bytes = 0;
    const all = await peakRss(pid, async () => {
      let cursor: string | null = '';
      while (cursor !== null) {
        const query: string = cursor ? `?tasks_cursor=${encodeURIComponent(cursor)}` : '';
        const response = await Promise.race([fetch(`${api.url}/groups/${groupId}${query}`), exited]);
        const text = await response.text();
        if (!response.ok) throw new Error(`GET /groups/{id} answered ${response.status}`);
        pages++;
        bytes += text.length;
        const page = JSON.parse(text) as { tasks_next_cursor?: string | null };
        cursor = page.tasks_next_cursor ?? null;
      }
    });
    console.log(
      `every page in turn: ${pages} page(s), ${mib(bytes)} MiB, peak ${all.peakMb.toFixed(0)} MB RSS` +
        `${all.error ? `, FAILED: ${all.error}` : ''}`,
    );
  } finally {
    await sql.end({ timeout: 5 });
    await stop(api.child);
  }
});
