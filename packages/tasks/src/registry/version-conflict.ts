import type { VersionConflict } from '../store/registry.ts';

/** A worker's catalog declares a version that live workers serve with other schemas or defaults. */
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
  constructor(conflicts: readonly VersionConflict[]) {
    const each = conflicts.map(
      (c) => `workflow "${c.name}" version "${c.version}" (its ${c.differs.join(', ')} differ)`,
    );
    super(
      `live workers serve ${each.join('; ')} with other schemas than this worker's: declare a new version, ` +
        'or stop those workers first',
    );
  }
}
