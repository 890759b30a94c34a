import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inject } from 'vitest';
import { runCommand } from './commands.ts';
import { PACK_DIR_KEY } from './pack-global-setup.ts';

export { type CommandResult, REPO_ROOT, runCommand } from './commands.ts';

const FIXTURE_SOURCES = resolve(import.meta.dirname, '..', 'fixture');
/** The app of the README's "Use it from your project": its files are copied to the app's root. */
export const README_APP_SOURCES = join(FIXTURE_SOURCES, 'app');

/** Registry packages every fixture app installs beside the tarballs (from npm's cache when it has them). */
const REGISTRY_PACKAGES = ['zod@^4.6.7', '@types/node@^24.0.0'];

export interface FixtureApp extends AsyncDisposable {
  /** The app's directory, outside the workspace, with the tarballs installed in its node_modules. */
  dir: string;
  /** The .tgz files `npm run pack` produced, by package name (all of them, installed or not). */
  tarballs: Map<string, string>;
}

/** The tarballs the global setup packed, by package name. */
export async function packedTarballs(): Promise<Map<string, string>> {
  const packDir = inject(PACK_DIR_KEY);
  const tarballs = new Map<string, string>();
  for (const file of await readdir(packDir)) {
    const name = /^kaygraph-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file)?.[1];
    if (name) tarballs.set(`@kaygraph/${name}`, join(packDir, file));
  }
  return tarballs;
}

/**
 * A new app beside the workspace (its own package.json) with the named packed tarballs installed
 * (not workspace links), the fixture's sources and the README app's files at its root.
 */
export async function createFixtureApp(packages: readonly string[]): Promise<FixtureApp> {
  const tarballs = await packedTarballs();
  const dir = await mkdtemp(join(tmpdir(), 'kaygraph-app-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const installed = packages.map((name) => {
      const tarball = tarballs.get(name);
      if (!tarball) throw new Error(`${name} was not packed (packed: ${[...tarballs.keys()].join(', ')})`);
      return tarball;
    });
    await writeFile(
      join(dir, 'package.json'),
      `${JSON.stringify({ name: 'fixture-app', private: true, type: 'module' }, null, 2)}\n`,
    );
    await cp(FIXTURE_SOURCES, dir, { recursive: true, filter: (source) => source !== README_APP_SOURCES });
    await cp(README_APP_SOURCES, dir, { recursive: true });
    await installPackages(dir, [...installed, ...REGISTRY_PACKAGES]);
    return { dir, tarballs, [Symbol.asyncDispose]: dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * `npm install` of the app's packages. npm needs the machine's CA and proxy settings to reach the registry
 * (turbo passes them through: turbo.json); a stalled fetch fails after a minute so npm retries it, and an
 * install that fails anyway is tried once more before the test fails with its output.
 */
async function installPackages(dir: string, specs: readonly string[]): Promise<void> {
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--fetch-timeout=60000', ...specs];
  const first = await runCommand('npm', args, { cwd: dir, timeoutMs: 150_000 });
  if (first.code === 0) return;
  const second = await runCommand('npm', args, { cwd: dir, timeoutMs: 150_000 });
  if (second.code !== 0) {
    throw new Error(
      `npm ${args.join(' ')} failed twice:\n${first.stdout}${first.stderr}\n---\n${second.stdout}${second.stderr}`,
    );
  }
}

/** The paths inside a tarball (without npm's leading `package/`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const listing = await runCommand('tar', ['-tzf', tarball], { cwd: tmpdir() });
  if (listing.code !== 0) throw new Error(`tar -tzf ${tarball}: ${listing.stderr}`);
  return listing.stdout
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''))
    .sort();
}
