import { createHash } from 'node:crypto';

/**
 * The channel pg-boss NOTIFYs when a job lands on a `notify: true` queue: 'pgboss_' + the first 24 hex
 * chars of sha224(schema) (pg-boss' `notifyChannelSql`). Our dispatchers LISTEN to it; the payload is the
 * queue name.
 */
export function bossNotifyChannel(schema = 'pgboss'): string {
  return `pgboss_${createHash('sha224').update(schema).digest('hex').slice(0, 24)}`;
}
