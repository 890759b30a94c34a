/** `createTaskSystem({ migrate: false })` on a database without our tables (nothing was written there). */
export class SchemaMissingError extends Error {
  override name = 'SchemaMissingError';
  constructor() {
    super(
      'the database has no KayGraph Tasks tables: apply the migrations (an api or worker that migrates) first',
    );
  }
}
