import { connect } from '@kaygraph/db';
import { createTestDatabase } from '@kaygraph/db/testing';
import pino from 'pino';
import { expect, test } from 'vitest';
import { SchemaMissingError } from '../src/schema-missing.ts';
import { createTaskSystem } from '../src/system.ts';

test('without migrating, a database that was never set up is refused and left as it was', async () => {
  await using database = await createTestDatabase({ empty: true });
  const starting = createTaskSystem({
    databaseUrl: database.url,
    logger: pino({ level: 'silent' }),
    migrate: false,
  });
  await expect(starting).rejects.toThrow(SchemaMissingError);
  await expect(starting).rejects.toThrow(
    'the database has no KayGraph Tasks tables: apply the migrations (an api or worker that migrates) first',
  );
  const { sql, close } = connect(database.url, { max: 1 });
  try {
    const schemas = await sql<{ nspname: string }[]>`
      select nspname from pg_namespace
      where nspname not in ('public', 'information_schema') and not starts_with(nspname, 'pg_')`;
    expect(schemas).toEqual([]);
  } finally {
    await close();
  }
});
