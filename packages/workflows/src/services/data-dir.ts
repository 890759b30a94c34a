import { realpath, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { WorkflowInputError } from '../errors.ts';

/**
 * Resolves a file name given in params inside the data directory. Absolute paths, `..` segments
 * and symlinks that lead outside are refused, so a task can read only what the server exposes.
 * A name without extension also matches `<name>.csv`, `.json`, `.jsonl` (the spec's `"input": "data"`).
 */
export async function resolveDataFile(
  dataDir: string | null,
  name: string,
  extensions: readonly string[],
): Promise<string> {
  if (dataDir === null) {
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      `reading files needs a data directory; "${name}" cannot be read here`,
    );
  }
  if (isAbsolute(name) || name.split(/[\\/]/).includes('..') || name.includes('\0')) {
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      `"${name}" must be a relative path inside the data directory`,
    );
  }
  const root = await realpath(dataDir);
  const candidates = /\.[A-Za-z0-9]+$/.test(name)
    ? [name]
    : [name, ...extensions.map((ext) => `${name}${ext}`)];
  for (const candidate of candidates) {
    const path = resolve(root, candidate);
    let real: string;
    try {
      real = await realpath(path);
      if (!(await stat(real)).isFile()) continue;
    } catch {
      continue;
    }
    const inside = relative(root, real);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
      throw new WorkflowInputError('INVALID_PARAMS', `"${name}" leads outside the data directory`);
    }
    return real;
  }
  throw new WorkflowInputError('NOT_FOUND', `no file "${name}" in the data directory`);
}
