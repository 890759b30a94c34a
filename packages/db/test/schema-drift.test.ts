import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from '../src/index.ts';

const repoRoot = resolve(migrationsFolder, '..');
const schemaFile = resolve(import.meta.dirname, '..', 'src', 'schema.ts');
const drizzleKit = join(repoRoot, 'node_modules', 'drizzle-kit', 'bin.cjs');

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.sort();
}

describe('schema.ts and the committed drizzle/ migrations', () => {
  it('agree: drizzle-kit generate has nothing to add', async () => {
    // Generate into a copy, so a drift shows up as a new file here and never touches drizzle/.
    const workDir = await mkdtemp(join(tmpdir(), 'kaygraph-drift-'));
    try {
      const outDir = join(workDir, 'drizzle');
      await cp(migrationsFolder, outDir, { recursive: true });
      const before = await listFiles(outDir);
      const result = spawnSync(
        process.execPath,
        [drizzleKit, 'generate', '--dialect', 'postgresql', '--schema', schemaFile, '--out', './drizzle'],
        { cwd: workDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
      );
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.status, output).toBe(0);
      const added = (await listFiles(outDir)).filter((file) => !before.includes(file));
      expect(
        added,
        'schema.ts changed without a migration: run `npx drizzle-kit generate --name <change>` from the repo root',
      ).toEqual([]);
      expect(output).toContain('No schema changes');
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  });
});
