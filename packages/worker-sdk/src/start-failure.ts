/** Postgres' `undefined_table`: the database has not been set up by the api. */
const UNDEFINED_TABLE = '42P01';

function postgresCodeOf(error: unknown): unknown {
  // Query builders wrap the driver's error: the code is on a cause.
  for (let cause = error; cause; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (code !== undefined) return code;
  }
  return undefined;
}

/** A start failure as the user should read it: a database the api never migrated says so. */
export function explainStartFailure(error: unknown): unknown {
  if (postgresCodeOf(error) !== UNDEFINED_TABLE) return error;
  return new Error(
    'the database has no KayGraph Tasks tables: start the api on it first (it creates them), then the worker',
    { cause: error },
  );
}
