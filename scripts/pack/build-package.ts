import { copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { bundleJavaScript, relinkDeclarations } from './bundle.ts';
import { undeclaredImports } from './check-specifiers.ts';
import { type PublishedManifest, publishedManifest, type SourceManifest } from './manifest.ts';
import { PUBLISHABLE } from './publishable.ts';
import { run } from './run.ts';
import { thirdPartyNotices } from './third-party-notices.ts';

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Versions of the workspace siblings a package depends on with `*` (read through node_modules). */
async function siblingVersions(root: string, source: SourceManifest): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  for (const [name, range] of Object.entries(source.dependencies ?? {})) {
    if (range !== '*') continue;
    const sibling = await readJson<SourceManifest>(join(root, 'node_modules', name, 'package.json'));
    versions.set(name, sibling.version);
  }
  return versions;
}

export interface BuiltPackage {
  name: string;
  /** The published package's root: compiled files, declarations and its package.json. */
  distDir: string;
  manifest: PublishedManifest;
}

/**
 * Builds one publishable workspace into its dist/: tsc of src (JavaScript + declarations, or
 * declarations only beside an esbuild bundle), the package's extra projects and command launchers,
 * the published package.json and README (and the notices of registry packages a bundle carries).
 */
export async function buildPackage(root: string, name: string): Promise<BuiltPackage> {
  const spec = PUBLISHABLE[name];
  if (!spec) throw new Error(`${name} is not publishable (known: ${Object.keys(PUBLISHABLE).join(', ')})`);
  const dir = join(root, spec.dir);
  const distDir = join(dir, 'dist');
  const tsc = join(root, 'node_modules', '.bin', 'tsc');

  await rm(distDir, { recursive: true, force: true });
  for (const project of ['tsconfig.build.json', ...(spec.extraProjects ?? [])]) {
    await run(tsc, ['-p', join(dir, project)], root);
  }
  if (spec.bundle) {
    await bundleJavaScript(dir, distDir, spec.bundle);
    await relinkDeclarations(distDir, spec.bundle.typeSpecifiers ?? {});
  }

  const bin: Record<string, string> = {};
  for (const [command, { launcher, module }] of Object.entries(spec.bin ?? {})) {
    const path = join(distDir, launcher);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `#!/usr/bin/env node\nimport '${module}';\n`, { mode: 0o755 });
    bin[command] = launcher;
  }

  const source = await readJson<SourceManifest>(join(dir, 'package.json'));
  const declaredInline = (spec.bundle?.inline ?? []).filter((inlined) => source.dependencies?.[inlined]);
  if (declaredInline.length > 0) {
    throw new Error(
      `${name}: bundled, yet declared in dependencies (an app would install a second copy): ${declaredInline.join(', ')}; move them to devDependencies`,
    );
  }
  const manifest = publishedManifest(source, {
    siblingVersions: await siblingVersions(root, source),
    ...(spec.bin ? { bin } : {}),
    ...(spec.sideEffects ? { sideEffects: spec.sideEffects } : {}),
  });
  await writeFile(join(distDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (await exists(join(dir, 'README.md')))
    await copyFile(join(dir, 'README.md'), join(distDir, 'README.md'));
  const notices = await thirdPartyNotices(root, spec.bundle?.inline ?? []);
  if (notices) await writeFile(join(distDir, 'THIRD_PARTY_NOTICES.md'), notices);

  // A package may name itself (examples in its docs, self-references).
  const offenders = await undeclaredImports(distDir, [manifest.name, ...Object.keys(manifest.dependencies)]);
  if (offenders.length > 0) {
    throw new Error(
      `${name}: the build imports packages it does not depend on:\n  ${offenders.join('\n  ')}`,
    );
  }
  return { name, distDir, manifest };
}
