import { realpath, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { WorkflowInputError } from '../errors.ts';
import { listDataFiles, POSTGRES_DATA_DIR_MARK } from './data-files.ts';

/**
 * Resolves a file name given in params inside the data directory. Absolute paths, `..` segments,
 * symlinks that lead outside and files of a PostgreSQL data directory in it (the embedded database
 * lives in `DATA_DIR/postgres`) are refused, so a task can read only what the server exposes.
 * A name without extension also matches `<name><extension>` for each of `extensions` (the spec's
 * `"input": "data"`). When nothing matches, the error names the directory, lists the files that
 * are there and repeats `inline`: how to pass the content in the params instead.
 *
 * @example
 * const path = await resolveDataFile(services.dataDir, 'sales', ['.csv'], '"input": [{ "a": 1 }]');
 */
export async function resolveDataFile(
  dataDir: string | null,
  name: string,
  extensions: readonly string[],
  inline?: string,
): Promise<string> {
  const orInline = inline ? `, or pass the content inline: ${inline}` : '';
  if (dataDir === null) {
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      `"${name}" names a file, but this worker has no data directory to read files from (DATA_DIR)` +
        `${inline ? `; pass the content inline: ${inline}` : ''}`,
    );
  }
  if (isAbsolute(name) || name.split(/[\\/]/).includes('..') || name.includes('\0')) {
    throw new WorkflowInputError(
      'INVALID_PARAMS',
      `"${name}" must be a relative path inside the data directory`,
    );
  }
  const shownDir = resolve(dataDir);
  const root = await realpath(dataDir).catch(() => null);
  if (root === null) {
    throw new WorkflowInputError(
      'NOT_FOUND',
      `no file "${name}": the data directory ${shownDir} does not exist; create it and put the file there${orInline}`,
    );
  }
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
    if (await inPostgresDataDir(root, real)) {
      throw new WorkflowInputError(
        'INVALID_PARAMS',
        `"${name}" is in a PostgreSQL data directory, which tasks may not read`,
      );
    }
    return real;
  }
  const tried = candidates.length > 1 ? `; without an extension, ${extensions.join(', ')} are tried too` : '';
  throw new WorkflowInputError(
    'NOT_FOUND',
    `no file "${name}" in the data directory ${shownDir} (files are read from there, names relative to it${tried}). ` +
      `${await describeContents(root, extensions.length > 0 ? extensions : [extname(name)])}. ` +
      `Put the file there${orInline}.`,
  );
}

/** Whether `file` (inside `root`) lies in a folder, from `root` down, that holds a PostgreSQL cluster. */
async function inPostgresDataDir(root: string, file: string): Promise<boolean> {
  for (let folder = dirname(file); ; folder = dirname(folder)) {
    const mark = await stat(join(folder, POSTGRES_DATA_DIR_MARK)).catch(() => null);
    if (mark?.isFile()) return true;
    if (folder === root || !folder.startsWith(root)) return false;
  }
}

/** "Files there: ..." (those a workflow could read), or that there are none. */
async function describeContents(root: string, kinds: readonly string[]): Promise<string> {
  const { names, total } = await listDataFiles(root, kinds);
  if (total === 0) {
    const which = kinds.filter((kind) => kind !== '').join(', ');
    return `It holds no ${which === '' ? '' : `${which} `}files`;
  }
  const more = total > names.length ? ` and ${total - names.length} more` : '';
  return `Files there: ${names.map((file) => `"${file}"`).join(', ')}${more}`;
}
