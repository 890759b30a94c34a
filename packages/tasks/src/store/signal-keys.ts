import type { SignalTaskOutput } from '@kaygraph/contracts';
import { sql } from 'drizzle-orm';
import { rowsOf, type Transaction } from '../db.ts';

/**
 * Idempotency keys of signals (`task_signal_keys`), per task. Read and written under the task's row lock
 * (service/signal.ts), so of two deliveries of one key exactly one signals and the other reads its answer.
 * A payload is compared by the sha-256 of its validated value as jsonb text (key order and whitespace do
 * not count); the payload itself is not kept twice.
 */

/** The first answer given to a key. */
export type SignalAnswer = Pick<SignalTaskOutput, 'taken' | 'status'>;

/** A key already used on the task: with what signal, whether the payload is the same, and its answer. */
export interface UsedSignalKey extends SignalAnswer {
  name: string;
  samePayload: boolean;
}

const digestOf = (payload: unknown) =>
  sql`sha256(convert_to((${JSON.stringify(payload)}::jsonb)::text, 'UTF8'))`;

/** The use of `key` on the task, if any; run once the task's row is locked. */
export async function readSignalKey(
  tx: Transaction,
  taskId: string,
  key: string,
  payload: unknown,
): Promise<UsedSignalKey | undefined> {
  const [row] = rowsOf<{ name: string; same_payload: boolean } & SignalAnswer>(
    await tx.execute(sql`
      select name, taken, status, payload_digest = ${digestOf(payload)} as same_payload
      from task_signal_keys where task_id = ${taskId} and key = ${key}`),
  );
  return row && { name: row.name, samePayload: row.same_payload, taken: row.taken, status: row.status };
}

/** Records the answer the signal sent with `key` got, in the transaction that signalled. */
export async function rememberSignalKey(
  tx: Transaction,
  signal: { taskId: string; key: string; name: string; payload: unknown },
  answer: SignalAnswer,
): Promise<void> {
  await tx.execute(sql`
    insert into task_signal_keys (task_id, key, name, payload_digest, taken, status)
    values (${signal.taskId}, ${signal.key}, ${signal.name}, ${digestOf(signal.payload)}, ${answer.taken},
      ${answer.status})`);
}

/**
 * Forgets the keys whose signals were kept (`stored`) under the given names and are now discarded: their
 * answer no longer holds, so the same key sent again is judged afresh.
 */
export async function forgetStoredSignalKeys(
  tx: Transaction,
  discarded: readonly { task_id: string; name: string }[],
): Promise<void> {
  if (discarded.length === 0) return;
  await tx.execute(sql`
    delete from task_signal_keys k
    using jsonb_to_recordset(${JSON.stringify(discarded)}::jsonb) as d(task_id uuid, name text)
    where k.task_id = d.task_id and k.name = d.name and k.taken = 'stored'`);
}
