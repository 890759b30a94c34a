import { connectionLostCode } from '../connection-lost.ts';
import { SchemaMissingError } from '../schema-missing.ts';
import { InvalidEnvironmentError } from './parse-env.ts';

/** Where a database URL points, without its credentials (`127.0.0.1:5432/kaygraph`). */
function whereOf(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.host}${url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/**
 * A start failure as the user should read it: a database that cannot be reached, or that the api never
 * set up, says so; anything else is returned as it is.
 */
export function explainStartFailure(error: unknown, databaseUrl: string): unknown {
  const code = connectionLostCode(error);
  if (code) {
    return new Error(
      `cannot reach the database at ${whereOf(databaseUrl)} (${code}): is PostgreSQL running there, and is the database URL right?`,
      { cause: error },
    );
  }
  if (!(error instanceof SchemaMissingError)) return error;
  return new Error(
    'the database has no KayGraph Tasks tables: start the api on it first (it creates them), then the worker',
    { cause: error },
  );
}

/**
 * Ends a service whose start failed for a reason of its setting (a bad environment variable, a database
 * out of reach or not set up): the reason on stderr, one line per problem and no stack (it is no bug),
 * then exit 1. Any other error is thrown on, stack and all.
 */
export function exitOnStartFailure(service: string, error: unknown, databaseUrl?: string): never {
  const explained = databaseUrl === undefined ? error : explainStartFailure(error, databaseUrl);
  const known = error instanceof InvalidEnvironmentError || explained !== error;
  if (!known) throw error;
  const reason = explained instanceof Error ? explained.message : String(explained);
  process.stderr.write(`${service} did not start: ${reason}\n`);
  process.exit(1);
}
