import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const PROCESS = fileURLToPath(new URL('./fixtures/compile-cache-process.ts', import.meta.url));
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Runs the fixture with `env` over an environment without compile-cache variables. */
async function cacheDirs(
  env: Record<string, string>,
): Promise<{ main: string | null; thread: string | null }> {
  const { NODE_COMPILE_CACHE: _dir, NODE_DISABLE_COMPILE_CACHE: _off, ...rest } = process.env;
  const { stdout } = await promisify(execFile)(process.execPath, [PROCESS], { env: { ...rest, ...env } });
  return JSON.parse(stdout);
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kg-compile-cache-'));
  dirs.push(dir);
  return dir;
}

describe('useCompileCache', () => {
  it("puts the process's worker threads on its compile cache (Node's default directory)", async () => {
    const dir = await tempDir();
    const { main, thread } = await cacheDirs({ TMPDIR: dir });
    expect(main).toContain(join(dir, 'node-compile-cache'));
    expect(thread).toBe(main);
  });

  it('keeps the directory NODE_COMPILE_CACHE names, for the threads too', async () => {
    const dir = await tempDir();
    const { main, thread } = await cacheDirs({ NODE_COMPILE_CACHE: dir });
    expect(main).toContain(dir);
    expect(thread).toBe(main);
  });

  it('leaves the cache off when NODE_DISABLE_COMPILE_CACHE is set', async () => {
    expect(await cacheDirs({ NODE_DISABLE_COMPILE_CACHE: '1', TMPDIR: await tempDir() })).toEqual({
      main: null,
      thread: null,
    });
  });
});
