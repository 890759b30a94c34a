import type { Db } from 'pg-boss';

/** A statement pg-boss would have run: its text and parameters. */
export interface RecordedStatement {
  text: string;
  values: unknown[];
}

/**
 * Runs a pg-boss call on a `db` adapter (a documented pg-boss option) that records the statement instead
 * of executing it and answers with no rows, so its SQL can be embedded in a statement of ours while pg-boss
 * stays its author. Throws unless the call ran exactly one statement.
 */
export async function recordStatement(
  call: (db: Db) => Promise<unknown>,
  what: string,
): Promise<RecordedStatement> {
  const recorded: RecordedStatement[] = [];
  await call({
    executeSql: async (text: string, values?: unknown[]) => {
      recorded.push({ text, values: values ?? [] });
      return { rows: [] };
    },
  });
  const [statement] = recorded;
  if (!statement || recorded.length !== 1) {
    throw new Error(`pg-boss ran ${recorded.length} statements for ${what}, expected 1 (pg-boss changed?)`);
  }
  return statement;
}
