import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const FIXTURE_SOURCES = resolve(import.meta.dirname, '..', 'fixture');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; a non-zero exit is returned, not thrown, so tests can show its output. */
export async function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, {
      cwd: options.cwd,
      // Without its own environment the command inherits this process's.
      ...(options.env ? { env: options.env } : {}),
      timeout: options.timeoutMs ?? 180_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    const code = typeof failed.code === 'number' ? failed.code : 1;
    return { code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? String(error) };
  }
}

async function mustRun(command: string, args: string[], cwd: string): Promise<string> {
  const result = await runCommand(command, args, { cwd });
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

export interface FixtureApp extends AsyncDisposable {
  /** The app's directory, outside the workspace, with the tarballs installed in its node_modules. */
  dir: string;
  /** The .tgz files `npm run pack` produced, by package name. */
  tarballs: Map<string, string>;
}

/**
 * Packs the publishable packages with the repository's pack script into a temporary directory and
 * installs the tarballs (not workspace links) into a new app beside it, with the fixture's sources.
 */
export async function createFixtureApp(): Promise<FixtureApp> {
  const packDir = await mkdtemp(join(tmpdir(), 'kaygraph-packs-'));
  const dir = await mkdtemp(join(tmpdir(), 'kaygraph-app-'));
  const dispose = async () => {
    await rm(packDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await mustRun(process.execPath, ['scripts/pack/main.ts', '--out', packDir], REPO_ROOT);
    const tarballs = new Map<string, string>();
    for (const file of await readdir(packDir)) {
      const name = /^kaygraph-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file)?.[1];
      if (name) tarballs.set(`@kaygraph/${name}`, join(packDir, file));
    }
    await writeFile(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'fixture-app', private: true, type: 'module' }, null, 2)}\n`,
    );
    await cp(FIXTURE_SOURCES, dir, { recursive: true });
    // Registry packages come from npm's cache when it has them (the workspace's install filled it).
    await mustRun(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.values(), 'zod@^4.6.7'],
      dir,
    );
    return { dir, tarballs, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The paths inside a tarball (without npm's leading `package/`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const listing = await mustRun('tar', ['-tzf', tarball], tmpdir());
  return listing
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''))
    .sort();
}
