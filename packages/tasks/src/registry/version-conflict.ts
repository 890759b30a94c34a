import type { VersionConflict } from '../store/registry.ts';

/**
 * What a worker says when it registers a declared version that live workers serve with other schemas or
 * defaults: tasks of that version run on both builds, and the api checks new ones against the last
 * registered schemas.
 */
export function versionConflictMessage(conflict: VersionConflict): string {
  return (
    `workflow "${conflict.name}" version "${conflict.version}": live workers serve it with other ` +
    `${conflict.differs.join(', ')}; its tasks run on both builds, so the change must be compatible ` +
    '(else declare a new version)'
  );
}
