import { readdir, readFile } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };

/**
 * Installing the client must not install the server: at run time it needs the contracts and the
 * tRPC client only. The api's types stay `import type` (erased, as in the published package).
 */
const SERVER_PACKAGES = /^@kaygraph\/(?!contracts(?:\/|$))/;
const SOURCE_DIR = fileURLToPath(new URL('../src/', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Module specifiers the file loads at run time: what is left once its types are stripped. */
function runtimeImports(source: string): string[] {
  const code = stripTypeScriptTypes(source);
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*\(\s*['"`]([^'"`]+)['"`]/g),
  ];
  return specifiers.map((match) => match[1] ?? '');
}

describe('the client layer', () => {
  test('its dependencies name no server package', () => {
    const dependencies = Object.keys(packageJson.dependencies);
    expect(dependencies.filter((name) => SERVER_PACKAGES.test(name))).toEqual([]);
    expect(dependencies).toContain('@kaygraph/contracts');
    expect(dependencies).toContain('@trpc/client');
  });

  test('no source file loads a server package at run time', async () => {
    const files = await sourceFiles(SOURCE_DIR);
    expect(files.length).toBeGreaterThan(10);
    const offenders: string[] = [];
    for (const file of files) {
      for (const specifier of runtimeImports(await readFile(file, 'utf8'))) {
        if (SERVER_PACKAGES.test(specifier)) offenders.push(`${relative(SOURCE_DIR, file)}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  test('the scan sees value imports, side-effect imports and dynamic imports', () => {
    const source = [
      "import type { AppRouter } from '@kaygraph/api';",
      "import { type A, connect } from '@kaygraph/db';",
      "import { type OnlyType } from '@kaygraph/tasks';",
      "export { x } from '@kaygraph/workflows';",
      "import '@kaygraph/graph';",
      "let t: typeof import('@kaygraph/api/keys');",
      "const store = await import('@kaygraph/api/keys');",
    ].join('\n');
    expect(runtimeImports(source)).toEqual([
      '@kaygraph/db',
      // `import { type X }` keeps a side-effect import under verbatimModuleSyntax.
      '@kaygraph/tasks',
      '@kaygraph/workflows',
      '@kaygraph/graph',
      '@kaygraph/api/keys',
    ]);
  });

  test('`@kaygraph/client/text` (the dashboard bundles it) loads only its own files at run time', async () => {
    const textDir = join(SOURCE_DIR, 'text');
    const loaded: string[] = [];
    for (const file of await sourceFiles(textDir)) {
      if (file.endsWith('.test.ts')) continue;
      for (const specifier of runtimeImports(await readFile(file, 'utf8'))) {
        if (!specifier.startsWith('./')) loaded.push(`${relative(SOURCE_DIR, file)}: ${specifier}`);
      }
    }
    expect(loaded).toEqual([]);
    expect(packageJson.exports['./text']).toBe('./src/text/index.ts');
  });
});
