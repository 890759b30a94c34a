/** The fields of a workspace package.json that the published manifest is built from. */
export interface SourceManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  engines?: Record<string, string>;
  exports: Record<string, string>;
  dependencies?: Record<string, string>;
}

export interface PublishedManifest {
  name: string;
  version: string;
  description?: string;
  license?: string;
  type: 'module';
  engines?: Record<string, string>;
  types: string;
  exports: Record<string, { types: string; default: string } | string>;
  bin?: Record<string, string>;
  files: string[];
  sideEffects: string[] | false;
  dependencies: Record<string, string>;
}

export interface ManifestOptions {
  /** Exact versions of the sibling workspaces, by name. */
  siblingVersions: ReadonlyMap<string, string>;
  bin?: Record<string, string>;
  sideEffects?: string[];
}

/** `./src/tasks.ts` (a workspace export) -> `./tasks` (its path in the published package). */
function publishedPath(sourcePath: string): string {
  const match = /^\.\/src\/(.+)\.ts$/.exec(sourcePath);
  if (!match) throw new Error(`export ${sourcePath} is not a ./src/*.ts module`);
  return `./${match[1]}`;
}

/** Workspace `*` ranges become the exact version of the sibling, which is what gets packed with it. */
function publishedDependencies(
  dependencies: Record<string, string>,
  siblingVersions: ReadonlyMap<string, string>,
): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, range] of Object.entries(dependencies)) {
    if (range !== '*') {
      resolved[name] = range;
      continue;
    }
    const version = siblingVersions.get(name);
    if (!version) throw new Error(`${name} is a workspace dependency but no sibling workspace has that name`);
    resolved[name] = version;
  }
  return resolved;
}

/**
 * The package.json of the published package (the root of its dist/): the workspace's identity and
 * dependencies, with `exports` pointing at the compiled JavaScript and its declarations.
 */
export function publishedManifest(source: SourceManifest, options: ManifestOptions): PublishedManifest {
  const exports: PublishedManifest['exports'] = {};
  for (const [subpath, sourcePath] of Object.entries(source.exports)) {
    if (subpath === './package.json') continue;
    const path = publishedPath(sourcePath);
    exports[subpath] = { types: `${path}.d.ts`, default: `${path}.js` };
  }
  exports['./package.json'] = './package.json';
  const main = source.exports['.'];
  if (!main) throw new Error(`${source.name} has no "." export`);
  return {
    name: source.name,
    version: source.version,
    ...(source.description ? { description: source.description } : {}),
    ...(source.license ? { license: source.license } : {}),
    type: 'module',
    ...(source.engines ? { engines: source.engines } : {}),
    types: `${publishedPath(main)}.d.ts`,
    exports,
    ...(options.bin ? { bin: options.bin } : {}),
    files: ['**/*.js', '**/*.d.ts', 'THIRD_PARTY_NOTICES.md'],
    sideEffects: options.sideEffects ?? false,
    dependencies: publishedDependencies(source.dependencies ?? {}, options.siblingVersions),
  };
}
