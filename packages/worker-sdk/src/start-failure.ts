import { connectionLostCode, SchemaMissingError } from '@kaygraph/tasks';

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
 * set up, says so.
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
