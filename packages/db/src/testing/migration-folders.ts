import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationsFolder } from '../migrations.ts';

/** A copy of the committed drizzle/ folder in a temp dir (for `migrate({ migrationsFolder })`); removed on dispose. */
export interface MigrationsFolderCopy extends Disposable {
  path: string;
}

interface JournalEntry {
  idx: number;
  version: string;
  when: number;
  tag: string;
  breakpoints: boolean;
}

function copyWithJournal(
  edit: (entries: JournalEntry[], path: string) => JournalEntry[],
): MigrationsFolderCopy {
  const path = mkdtempSync(join(tmpdir(), 'kg-migrations-'));
  try {
    cpSync(migrationsFolder, path, { recursive: true });
    const journalPath = join(path, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: JournalEntry[] };
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: edit(journal.entries, path) }));
  } catch (error) {
    rmSync(path, { recursive: true, force: true });
    throw error;
  }
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * The committed migrations but the last: the schema the release before it left.
 *
 * @example
 * using previous = migrationsWithoutLast();
 * await migrate(database.url, { migrationsFolder: previous.path });
 */
export function migrationsWithoutLast(): MigrationsFolderCopy {
  return copyWithJournal((entries) => entries.slice(0, -1));
}

/** The committed migrations plus a pending one, `tag`, of the statements `sql`. */
export function migrationsWithPending(tag: string, sql: string): MigrationsFolderCopy {
  return copyWithJournal((entries, path) => {
    const last = entries.at(-1);
    if (!last) throw new Error('no committed migrations');
    writeFileSync(join(path, `${tag}.sql`), sql);
    return [...entries, { ...last, idx: last.idx + 1, when: last.when + 1, tag }];
  });
}
