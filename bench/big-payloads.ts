/**
 * The api's memory under big payloads (`node bench/big-payloads.ts [--result-mb 9.9] [--readers 12]
 * [--checkpoint-mb 100] [--params-mb 1] [--dead-letters 200] [--database-url postgres://...]`):
 * 1. a completed task holding a result of `--result-mb`, read by `--readers` concurrent
 *    `GET /tasks/{id}/result`;
 * 2. a waiting task holding a checkpoint of `--checkpoint-mb`, read by as many `GET /tasks/{id}`;
 * 3. `--dead-letters` failed tasks holding `--params-mb` of params each, listed by `GET /dead-letters?limit=200`.
 * A phase given 0 (MB, readers or dead letters) is skipped. Prints the api's peak RSS in each phase, and
 * whether it survived. The rows are written straight into a scratch database (no worker runs): the figure
 * is what serving them costs the api, started with the node flags of its `npm start`.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { rssMb, startApi, stop } from './api-processes.ts';
import { peakRss, readAll } from './peak-rss.ts';
import { DEFAULT_SERVER_URL, withScratchDatabase } from './scratch-database.ts';

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: DEFAULT_SERVER_URL },
    'result-mb': { type: 'string', default: '100' },
    readers: { type: 'string', default: '12' },
    'params-mb': { type: 'string', default: '1' },
    'dead-letters': { type: 'string', default: '200' },
    'checkpoint-mb': { type: 'string', default: '100' },
  },
});
const MB = 1024 * 1024;
const resultBytes = Math.floor(Number(values['result-mb']) * MB);
const readers = Number(values.readers);
const paramsBytes = Math.floor(Number(values['params-mb']) * MB);
const deadLetters = Number(values['dead-letters']);
const checkpointBytes = Math.floor(Number(values['checkpoint-mb']) * MB);
const OWNER = 'anonymous';

/** Inserts a task row of `status` with `params` and `result`, as a worker would have left it. */
async function insertTask(
  sql: postgres.Sql,
  status: 'completed' | 'failed' | 'waiting',
  params: string,
  result: string | null,
): Promise<string> {
  const id = randomUUID();
  const failed = status === 'failed';
  await sql`insert into tasks (id, owner, workflow, params, status, max_retries, timeout_seconds, attempt,
      result, error, completed_at, dead_lettered_at, expires_at)
    values (${id}, ${OWNER}, 'bench', ${params}::text::jsonb, ${status}, 0, 60, 1, ${result}::text::jsonb,
      ${failed ? JSON.stringify({ code: 'WORKFLOW_ERROR', message: 'bench' }) : null}::text::jsonb,
      ${status === 'waiting' ? null : sql`now()`},
      ${failed ? sql`now()` : null}, now() + interval '1 day')`;
  return id;
}

await withScratchDatabase(values['database-url'], 'payloads', async (databaseUrl) => {
  const api = await startApi(databaseUrl);
  const pid = api.child.pid ?? 0;
  const exited = new Promise<never>((_, reject) =>
    api.child.once('exit', (code, signal) => reject(new Error(`the api exited (${signal ?? code})`))),
  );
  exited.catch(() => {});
  const alive = () => api.child.exitCode === null && api.child.signalCode === null;
  /** Reads `path` `times` at once and prints the api's peak RSS meanwhile, or how it failed. */
  const phase = async (label: string, path: string, times: number) => {
    const { peakMb, error } = await peakRss(pid, () =>
      Promise.race([readAll(`${api.url}${path}`, times), exited]),
    );
    console.log(`${label}: peak ${peakMb.toFixed(0)} MB RSS${error ? `, FAILED: ${error}` : ''}`);
  };
  const sql = postgres(databaseUrl, { max: 4, onnotice: () => {} });
  try {
    // JSON strings of the sizes asked for (the quotes included).
    const result = JSON.stringify('x'.repeat(Math.max(0, resultBytes - 2)));
    const resultTask = readers > 0 && resultBytes > 0 ? await insertTask(sql, 'completed', '{}', result) : '';
    const waitingTask =
      readers > 0 && checkpointBytes > 0 ? await insertTask(sql, 'waiting', '{}', null) : '';
    if (waitingTask) {
      const shared = JSON.stringify({ shared: { blob: 'c'.repeat(checkpointBytes - 22) } });
      await sql`update tasks set checkpoint = ${shared}::text::jsonb where id = ${waitingTask}`;
    }
    const params = JSON.stringify({ blob: 'p'.repeat(paramsBytes - 12) });
    for (let i = 0; i < deadLetters; i++) await insertTask(sql, 'failed', params, null);
    console.log(`api idle: ${(await rssMb(pid)).toFixed(0)} MB RSS`);

    const mib = (bytes: number) => (bytes / MB).toFixed(1);
    if (resultTask) {
      await phase(
        `${readers} concurrent GET /tasks/{id}/result of ${mib(resultBytes)} MiB`,
        `/tasks/${resultTask}/result`,
        readers,
      );
    }
    if (waitingTask && alive()) {
      await phase(
        `${readers} concurrent GET /tasks/{id} of a waiting task with a ${mib(checkpointBytes)} MiB checkpoint`,
        `/tasks/${waitingTask}`,
        readers,
      );
    }
    if (deadLetters > 0 && alive()) {
      await phase(
        `GET /dead-letters?limit=200, ${deadLetters} dead letters of ${mib(paramsBytes)} MiB params`,
        '/dead-letters?limit=200',
        1,
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
    await stop(api.child);
  }
});
