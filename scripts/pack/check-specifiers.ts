import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

const SPECIFIER = /\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g;

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/**
 * Every module the published files import (JavaScript and declarations) that is neither relative,
 * a Node builtin, nor a declared dependency: each would fail in the user's project.
 */
export async function undeclaredImports(distDir: string, dependencies: readonly string[]): Promise<string[]> {
  const entries = await readdir(distDir, { withFileTypes: true, recursive: true });
  const files = entries
    .filter((entry) => entry.isFile() && /\.(?:js|d\.ts)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
  const allowed = new Set(dependencies);
  const offenders: string[] = [];
  for (const file of files) {
    for (const [, specifier = ''] of (await readFile(file, 'utf8')).matchAll(SPECIFIER)) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      if (!allowed.has(packageOf(specifier))) offenders.push(`${relative(distDir, file)}: ${specifier}`);
    }
  }
  return [...new Set(offenders)];
}
