import type { JobInsert, PgBoss } from 'pg-boss';
import { recordStatement } from './record-statement.ts';

/**
 * pg-boss's own INSERT of jobs into one queue, as common table expressions that another statement can
 * carry (see service/submit-one-statement.ts). `ctes` is `ins AS (...)` and, on a notify-enabled queue,
 * `, notified AS (...)` (its pg_notify wakes the dispatchers at commit, as pg-boss's own insert would);
 * `notified` names the CTE to reference so PostgreSQL evaluates it (null without one). Where pg-boss
 * reads its jobs' JSON (its parameter `$1`), the CTEs read the SQL expression `payloadSql` instead, which
 * binds `payload` as a parameter of the carrying statement.
 */
export interface JobInsertCtes {
  ctes: string;
  notified: string | null;
  /** The jobs as pg-boss serialised them: bind it as the parameter the CTEs name. */
  payload: string;
}

/** pg-boss's notify-enabled insert: `WITH ins AS (...), notified AS (...) SELECT id FROM ins WHERE ...`. */
const NOTIFYING_INSERT =
  /^\s*WITH\s+ins\s+AS\s+\(([\s\S]*)\),\s*notified\s+AS\s+\(([\s\S]*)\)\s*SELECT\s+id\s+FROM\s+ins\s+WHERE\s+\(SELECT\s+count\(\*\)\s+FROM\s+notified\)\s*[<>]=?\s*0\s*$/;
/** The job payload parameter of pg-boss's insert (its only one). */
const PAYLOAD_PARAMETER = /\$1(?!\d)/g;

/**
 * Asks pg-boss for the statement of `boss.insert(queue, jobs)` without running it (see
 * record-statement.ts). pg-boss still validates the jobs and resolves the queue's table and policy (cached
 * after the first call), so the statement is exactly the one it would run. Throws when pg-boss builds a
 * statement of another shape (a pg-boss upgrade): the caller's tests fail instead of a silent slow path.
 */
export async function jobInsertCtes(
  boss: PgBoss,
  queue: string,
  jobs: JobInsert[],
  payloadSql: string,
): Promise<JobInsertCtes> {
  const captured = await recordStatement(
    (db) => boss.insert(queue, jobs, { db }),
    `the insert into queue ${queue}`,
  );
  if (captured.values.length !== 1 || typeof captured.values[0] !== 'string') {
    throw new Error('pg-boss insert: unexpected statement parameters (pg-boss changed?)');
  }
  const text = captured.text.replace(PAYLOAD_PARAMETER, () => payloadSql);
  const payload = captured.values[0];
  const notifying = NOTIFYING_INSERT.exec(text);
  if (notifying) {
    return { ctes: `ins AS (${notifying[1]}), notified AS (${notifying[2]})`, notified: 'notified', payload };
  }
  if (/^\s*INSERT\s+INTO\s/i.test(text)) return { ctes: `ins AS (${text})`, notified: null, payload };
  throw new Error('pg-boss insert: unexpected statement shape (pg-boss changed?)');
}
