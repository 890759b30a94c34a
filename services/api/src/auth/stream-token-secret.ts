import { randomBytes } from 'node:crypto';
import type { Connection } from '@kaygraph/db';

type Sql = Connection['sql'];

/**
 * The stream-token secret shared by every replica: the stored one, or 32 random bytes stored now by the
 * first replica to ask (of replicas racing, one insert wins and all read it). `sql` must commit
 * synchronously: a secret lost in a crash after tokens were made with it would void them.
 */
export async function loadStreamTokenSecret(sql: Sql): Promise<Buffer> {
  await sql`
    insert into stream_token_secret (id, secret) values (1, ${randomBytes(32)})
    on conflict (id) do nothing`;
  const [row] = await sql<{ secret: Buffer }[]>`select secret from stream_token_secret where id = 1`;
  if (!row) throw new Error('the stream token secret could not be stored');
  return row.secret;
}
