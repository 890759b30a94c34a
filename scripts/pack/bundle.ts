import { readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { packageOf } from './check-specifiers.ts';

export interface BundleSpec {
  /** Output path in the package (without `.js`) -> entry module, relative to the workspace's folder. */
  entries: Record<string, string>;
  /**
   * Packages compiled into the bundle instead of imported: workspace packages (never published on
   * their own) and registry packages the published code must run as this repository has them (a
   * package patched in patches/, which an install from the registry would not be). None of them may be
   * a dependency of the published package: its JavaScript no longer imports them.
   */
  inline: string[];
  /**
   * Bare specifiers of inlined packages in the declarations tsc emits -> the path of their emitted
   * declarations in the package (the types of inlined code ship with the package).
   */
  typeSpecifiers?: Record<string, string>;
}

/** Everything that is neither relative nor an inlined package stays an import. */
function externalsExcept(inline: readonly string[]): Plugin {
  const inlined = new Set(inline);
  return {
    name: 'externals',
    setup(builder) {
      builder.onResolve({ filter: /^[^./]/ }, (args) =>
        args.kind === 'entry-point' || inlined.has(packageOf(args.path))
          ? undefined
          : { path: args.path, external: true },
      );
    },
  };
}

/**
 * Bundles a workspace's entries into its dist/ as ES modules for Node, shared code in chunks beside
 * them (flat, so `new URL('./x.js', import.meta.url)` of a bundled module finds entry `x`).
 */
export async function bundleJavaScript(dir: string, distDir: string, spec: BundleSpec): Promise<void> {
  await build({
    entryPoints: Object.entries(spec.entries).map(([out, entry]) => ({ in: join(dir, entry), out })),
    absWorkingDir: dir,
    outdir: distDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    chunkNames: 'chunk-[hash]',
    plugins: [externalsExcept(spec.inline)],
    logLevel: 'warning',
  });
}

/** Points the declarations' imports of inlined packages at their declarations in the package. */
export async function relinkDeclarations(
  distDir: string,
  typeSpecifiers: Record<string, string>,
): Promise<void> {
  const entries = await readdir(distDir, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    const source = await readFile(file, 'utf8');
    let relinked = source;
    for (const [specifier, target] of Object.entries(typeSpecifiers)) {
      const path = relative(dirname(file), join(distDir, target));
      const local = path.startsWith('.') ? path : `./${path}`;
      relinked = relinked
        .replaceAll(`'${specifier}'`, `'${local}'`)
        .replaceAll(`"${specifier}"`, `"${local}"`);
    }
    if (relinked !== source) await writeFile(file, relinked);
  }
}
