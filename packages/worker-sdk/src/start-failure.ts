import { SchemaMissingError } from '@kaygraph/tasks';

/** A start failure as the user should read it: a database the api never set up says so. */
export function explainStartFailure(error: unknown): unknown {
  if (!(error instanceof SchemaMissingError)) return error;
  return new Error(
    'the database has no KayGraph Tasks tables: start the api on it first (it creates them), then the worker',
    { cause: error },
  );
}
