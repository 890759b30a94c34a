import { z } from 'zod';

const NOT_POSTGRES = 'not a PostgreSQL URL: expected postgres://user:password@host:5432/database';

/**
 * A service's DATABASE_URL: a `postgres://` or `postgresql://` URL. Anything else is refused by name here,
 * before a driver reads an `http://` URL as a server that knows no user, or a bare `host:5432/db` as unset.
 *
 * @example const Env = z.object({ DATABASE_URL: postgresUrl('DATABASE_URL must be set: …') });
 */
export function postgresUrl(whenUnset = 'DATABASE_URL must be set') {
  return z.url({
    protocol: /^postgres(ql)?$/,
    error: (issue) => (issue.input === undefined ? whenUnset : NOT_POSTGRES),
  });
}
