import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { mustRun, REPO_ROOT } from './commands.ts';

export const PACK_DIR_KEY = 'kaygraphPackDir';

declare module 'vitest' {
  export interface ProvidedContext {
    kaygraphPackDir: string;
  }
}

/**
 * vitest globalSetup: `npm run pack` once for every test file, into a temporary directory (nothing
 * tracked changes), so the fixture apps install the tarballs a user would get.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const packDir = await mkdtemp(join(tmpdir(), 'kaygraph-packs-'));
  try {
    await mustRun(process.execPath, ['scripts/pack/main.ts', '--out', packDir], REPO_ROOT);
  } catch (error) {
    await rm(packDir, { recursive: true, force: true });
    throw error;
  }
  project.provide(PACK_DIR_KEY, packDir);
  return () => rm(packDir, { recursive: true, force: true });
}
