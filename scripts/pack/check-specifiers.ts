import { readdir, readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Import specifiers of tsc's declarations (`from '…'`, `import('…')`): its output has no other use of them. */
const DECLARATION_SPECIFIER = /\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

export interface ModuleImport {
  /** The importing file, relative to the package's root. */
  file: string;
  specifier: string;
}

/** Leaves every bare specifier unresolved, so the metafile lists it as the file wrote it. */
const bareSpecifiersExternal: Plugin = {
  name: 'bare-specifiers-external',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) =>
      args.kind === 'entry-point' ? undefined : { path: args.path, external: true },
    );
  },
};

/**
 * The bare imports of JavaScript files, as esbuild parses them (static, dynamic and `require`), so
 * text that merely reads like an import (in a comment, a string, bundled SQL) is not one.
 */
async function javaScriptImports(dir: string, files: readonly string[]): Promise<ModuleImport[]> {
  if (files.length === 0) return [];
  const { metafile } = await build({
    entryPoints: [...files],
    absWorkingDir: dir,
    bundle: true,
    write: false,
    metafile: true,
    outdir: join(dir, '.imports'),
    format: 'esm',
    platform: 'node',
    plugins: [bareSpecifiersExternal],
    logLevel: 'silent',
  });
  return Object.entries(metafile.inputs).flatMap(([file, input]) =>
    input.imports
      .filter((entry) => entry.external)
      .map((entry) => ({ file, specifier: entry.original ?? entry.path })),
  );
}

/** Every import of a package's published files (JavaScript and declarations) that is neither relative nor a Node builtin. */
export async function packageImports(dir: string): Promise<ModuleImport[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const found = await javaScriptImports(
    dir,
    files.filter((file) => file.endsWith('.js')).map((file) => relative(dir, file)),
  );
  for (const file of files.filter((path) => path.endsWith('.d.ts'))) {
    for (const [, specifier = ''] of (await readFile(file, 'utf8')).matchAll(DECLARATION_SPECIFIER)) {
      found.push({ file: relative(dir, file), specifier });
    }
  }
  return found.filter(({ specifier }) => !specifier.startsWith('.') && !isBuiltin(specifier));
}

/** Every import of a package the manifest does not declare: each would fail in the user's project. */
export async function undeclaredImports(distDir: string, dependencies: readonly string[]): Promise<string[]> {
  const allowed = new Set(dependencies);
  const offenders = (await packageImports(distDir))
    .filter(({ specifier }) => !allowed.has(packageOf(specifier)))
    .map(({ file, specifier }) => `${file}: ${specifier}`);
  return [...new Set(offenders)];
}
