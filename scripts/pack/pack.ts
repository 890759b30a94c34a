import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuiltPackage } from './build-package.ts';
import { run } from './run.ts';

export interface PackedPackage {
  name: string;
  tarball: string;
  /** Bytes of the .tgz and of its unpacked files. */
  size: number;
  unpackedSize: number;
  files: string[];
}

interface NpmPackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

/** `npm pack` of a built package's dist/ into `outDir`. */
export async function packPackage(built: BuiltPackage, outDir: string): Promise<PackedPackage> {
  await mkdir(outDir, { recursive: true });
  const stdout = await run('npm', ['pack', '--json', '--pack-destination', outDir], built.distDir);
  const [result] = JSON.parse(stdout) as NpmPackResult[];
  if (!result) throw new Error(`npm pack of ${built.name} reported nothing`);
  return {
    name: built.name,
    tarball: join(outDir, result.filename),
    size: result.size,
    unpackedSize: result.unpackedSize,
    files: result.files.map((file) => file.path).sort(),
  };
}
