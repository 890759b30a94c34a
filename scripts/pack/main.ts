/**
 * Builds the publishable packages to JavaScript + declarations and packs them:
 *   node scripts/pack/main.ts [--out dir] [@kaygraph/contracts @kaygraph/graph @kaygraph/client]
 * Tarballs go to dist/packages/ by default; nothing tracked changes (each build is in <package>/dist/).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPackage } from './build-package.ts';
import { packPackage } from './pack.ts';
import { PUBLISHABLE } from './publishable.ts';

const root = resolve(import.meta.dirname, '..', '..');
const { values, positionals } = parseArgs({
  options: { out: { type: 'string', default: resolve(root, 'dist', 'packages') } },
  allowPositionals: true,
});
const names = positionals.length > 0 ? positionals : Object.keys(PUBLISHABLE);

for (const name of names) {
  const packed = await packPackage(await buildPackage(root, name), resolve(values.out));
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  process.stdout.write(
    `${packed.tarball}  ${kb(packed.size)} packed, ${kb(packed.unpackedSize)} unpacked, ${packed.files.length} files\n`,
  );
}
