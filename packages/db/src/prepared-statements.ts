import type postgres from 'postgres';

/**
 * Statements with more parameters than this are sent unnamed: their text usually grows with a list
 * (`in ($1, $2, ...)`, a multi-row VALUES), so each size would be one more statement cached per connection.
 */
const MAX_PREPARED_PARAMETERS = 64;

type Client = postgres.Sql | postgres.TransactionSql;

/**
 * drizzle runs every query through `client.unsafe(text, params, { prepare: false })`, so PostgreSQL parses
 * and plans each statement again on every call, server CPU spent on every request. This wraps the
 * postgres.js client drizzle is given so statements with parameters are prepared once per connection and
 * then only bound and executed. Transactions and savepoints hand drizzle a client of their own; those are
 * wrapped the same way.
 */
export function preparingClient<C extends Client>(client: C): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') return unsafe(target);
      if (property === 'begin' || property === 'savepoint') return withWrappedScope(target, property);
      return Reflect.get(target, property, receiver);
    },
  });
}

function unsafe(target: Client): Client['unsafe'] {
  return ((text: string, params?: unknown, options?: postgres.UnsafeQueryOptions) => {
    // postgres.js also accepts unsafe(text, options).
    const args = Array.isArray(params) ? params : [];
    const given = Array.isArray(params) ? options : (params as postgres.UnsafeQueryOptions | undefined);
    const prepare = args.length > 0 && args.length <= MAX_PREPARED_PARAMETERS;
    return target.unsafe(text, args as postgres.ParameterOrJSON<never>[], { ...given, prepare });
  }) as Client['unsafe'];
}

function withWrappedScope(target: Client, method: 'begin' | 'savepoint') {
  return (...args: unknown[]) => {
    const scope = args.pop() as (client: postgres.TransactionSql) => unknown;
    const original = (target as unknown as Record<string, (...rest: unknown[]) => unknown>)[method];
    return original?.(...args, (client: postgres.TransactionSql) => scope(preparingClient(client)));
  };
}
