import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The file every PostgreSQL data directory holds at its top. Such a directory (the embedded database's,
 * `DATA_DIR/postgres`) holds every owner's rows and the server's secrets: never a task's input.
 */
export const POSTGRES_DATA_DIR_MARK = 'PG_VERSION';

/** How deep the listing looks (`docs/2025/report.md` is depth 3). */
const MAX_DEPTH = 3;
/** Entries read at most: a data directory may also hold large trees (the embedded database's). */
const MAX_ENTRIES = 5_000;

export interface DataFileListing {
  /** Relative paths with `/`, shallowest first, then by name; at most `limit`. */
  names: string[];
  /** How many matching files were found in all (within the bounds above). */
  total: number;
}

/**
 * The files under `root` that a workflow could read (names ending in one of `extensions`), for an
 * error that says what is there. Hidden entries, symlinks, unreadable folders and PostgreSQL data
 * directories are left out.
 */
export async function listDataFiles(
  root: string,
  extensions: readonly string[],
  limit = 20,
): Promise<DataFileListing> {
  const wanted = extensions.map((extension) => extension.toLowerCase());
  const names: string[] = [];
  let total = 0;
  let read = 0;
  // Breadth first, so files at the top are found before the entry budget is spent deeper down.
  let level: Array<{ path: string; prefix: string }> = [{ path: root, prefix: '' }];
  for (let depth = 1; depth <= MAX_DEPTH && level.length > 0 && read < MAX_ENTRIES; depth++) {
    const next: typeof level = [];
    for (const folder of level) {
      const entries = await readFolder(folder.path);
      if (entries.some((entry) => entry.name === POSTGRES_DATA_DIR_MARK && entry.isFile())) continue;
      for (const entry of entries) {
        if (++read > MAX_ENTRIES) break;
        if (entry.name.startsWith('.')) continue;
        const name = `${folder.prefix}${entry.name}`;
        if (entry.isDirectory()) next.push({ path: join(folder.path, entry.name), prefix: `${name}/` });
        else if (entry.isFile() && wanted.some((extension) => entry.name.toLowerCase().endsWith(extension))) {
          total++;
          if (names.length < limit) names.push(name);
        }
      }
    }
    level = next;
  }
  return { names, total };
}

async function readFolder(path: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return []; // unreadable (another account's folder) or gone: nothing to show from it
  }
}
