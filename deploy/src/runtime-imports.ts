import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { readRepoFile, repoFileExists, repoPath, repoRoot } from './repo-files.ts';

/** Folders under src/ that never run in the image: test harnesses and developer scripts. */
const NOT_RUNTIME_DIRS = new Set(['test', 'testing', 'scripts', 'node_modules']);

/** Where the image's three commands live: the api, the worker and the one-shot migration. */
const ENTRY_WORKSPACES = ['services/api', 'services/worker', 'packages/db'];

interface WorkspaceManifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

function workspaceFolders(): string[] {
  const root = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };
  return root.workspaces
    .flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(repoPath(pattern.slice(0, -2))).map((name) => `${pattern.slice(0, -2)}/${name}`)
        : [pattern],
    )
    .filter((folder) => repoFileExists(`${folder}/package.json`));
}

function manifestOf(folder: string): WorkspaceManifest {
  return JSON.parse(readRepoFile(`${folder}/package.json`)) as WorkspaceManifest;
}

/**
 * The workspaces whose sources run in the image: the entry points' workspaces and every workspace they reach
 * through production dependencies. Type-stripped, not bundled, so their imports resolve at run time. (The
 * dashboard is bundled at build time, and test-only workspaces are not reached.)
 */
export function runtimeWorkspaces(): string[] {
  const folderByName = new Map(workspaceFolders().map((folder) => [manifestOf(folder).name, folder]));
  const reached = new Set<string>();
  const pending = [...ENTRY_WORKSPACES];
  for (let folder = pending.pop(); folder !== undefined; folder = pending.pop()) {
    if (reached.has(folder)) continue;
    reached.add(folder);
    for (const dependency of Object.keys(manifestOf(folder).dependencies ?? {})) {
      const dependencyFolder = folderByName.get(dependency);
      if (dependencyFolder) pending.push(dependencyFolder);
    }
  }
  return [...reached].filter((folder) => repoFileExists(`${folder}/src`)).sort();
}

function runtimeSourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return NOT_RUNTIME_DIRS.has(entry.name) ? [] : runtimeSourceFiles(path);
    const isSource = entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts');
    return isSource && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Module specifiers a file loads when it runs: static imports and re-exports (not `import type` /
 * `export type`, which type stripping erases) and literal dynamic imports. `import { type X } from 'p'` does
 * load `p` at run time, so it counts.
 */
const RUNTIME_IMPORT =
  /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

export function runtimeSpecifiers(source: string): string[] {
  return [...source.matchAll(RUNTIME_IMPORT)].flatMap((match) => {
    const specifier = match[1] ?? match[2];
    return specifier ? [specifier] : [];
  });
}

/** The npm package a bare specifier names (`@scope/name/sub` -> `@scope/name`); undefined for others. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:'))
    return undefined;
  const [first = '', second = ''] = specifier.split('/');
  if (builtinModules.includes(first)) return undefined;
  return first.startsWith('@') ? `${first}/${second}` : first;
}

export interface UndeclaredImport {
  workspace: string;
  file: string;
  specifier: string;
}

/**
 * Imports of packages that a production install (`npm ci --omit=dev`) would not provide to the importing
 * workspace: neither its dependency (or peer/optional dependency) nor the workspace itself.
 */
export function undeclaredRuntimeImports(workspace: string): {
  checked: number;
  undeclared: UndeclaredImport[];
} {
  const manifest = manifestOf(workspace);
  const provided = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
  let checked = 0;
  const undeclared: UndeclaredImport[] = [];
  for (const path of runtimeSourceFiles(repoPath(`${workspace}/src`))) {
    for (const specifier of runtimeSpecifiers(readFileSync(path, 'utf8'))) {
      const name = packageOf(specifier);
      if (name === undefined) continue;
      checked++;
      if (!provided.has(name)) undeclared.push({ workspace, file: relative(repoRoot, path), specifier });
    }
  }
  return { checked, undeclared };
}
