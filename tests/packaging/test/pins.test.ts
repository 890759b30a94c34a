import { glob, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../src/commands.ts';

/**
 * Dependencies pinned to one version: pg-boss (the task core relies on its schema and behaviour, see
 * packages/tasks/test/pg-boss-contract.test.ts) and every package patched in patches/ (a patch fits one
 * version). The worker SDK bundles the task core and declares these itself, with the same pins as the
 * workspaces that use them: as dependencies when its published manifest carries them (pg-boss), as
 * devDependencies when its bundle does (postgres, whose patched copy only the bundle keeps); and the
 * lockfile must install that version, the one the bundle is built from.
 */
const PINNED_WITHOUT_PATCH = ['pg-boss'];

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

type Manifest = { workspaces?: string[] } & Record<string, unknown>;

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

/** patch-package's file names: `postgres+3.4.9.patch`, `@scope+name+1.2.3.patch`. */
async function patchedVersions(): Promise<Map<string, string>> {
  const patched = new Map<string, string>();
  for (const file of await readdir(join(REPO_ROOT, 'patches'))) {
    const match = /^(.+)\+([^+]+)\.patch$/.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`patches/${file} is not named <package>+<version>.patch`);
    patched.set(match[1].replaceAll('+', '/'), match[2]);
  }
  return patched;
}

/** The root manifest and every workspace's, by folder. */
async function manifests(): Promise<Map<string, Manifest>> {
  const root = await readJson<Manifest>(join(REPO_ROOT, 'package.json'));
  const found = new Map<string, Manifest>([['.', root]]);
  for (const pattern of root.workspaces ?? []) {
    for await (const file of glob(`${pattern}/package.json`, { cwd: REPO_ROOT })) {
      found.set(file.slice(0, -'/package.json'.length), await readJson<Manifest>(join(REPO_ROOT, file)));
    }
  }
  return found;
}

/** `folder (field): range` for every declaration of `name`. */
function declarations(all: Map<string, Manifest>, name: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const [dir, manifest] of all) {
    for (const field of DEPENDENCY_FIELDS) {
      const range = (manifest[field] as Record<string, string> | undefined)?.[name];
      if (range !== undefined) found.set(`${dir} (${field})`, range);
    }
  }
  return found;
}

/** Every version of `name` the lockfile installs, wherever in node_modules. */
function lockedVersions(lock: { packages: Record<string, { version?: string }> }, name: string): string[] {
  return Object.entries(lock.packages)
    .filter(([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`))
    .map(([, entry]) => entry.version ?? '?');
}

const patched = await patchedVersions();
const lock = await readJson<{ packages: Record<string, { version?: string }> }>(
  join(REPO_ROOT, 'package-lock.json'),
);
const all = await manifests();

test('the postgres patch and the worker SDK manifest are found', () => {
  expect(patched.get('postgres')).toBeDefined();
  expect(all.get('packages/worker-sdk')).toBeDefined();
});

test.each([...PINNED_WITHOUT_PATCH, ...patched.keys()])(
  '%s is pinned to one exact version everywhere, the one the lockfile installs',
  (name) => {
    const declared = declarations(all, name);
    expect(declared.size, `${name} is declared somewhere`).toBeGreaterThan(0);
    // The patch's version, else the one the lockfile installs: each declaration must say exactly that.
    const pin = patched.get(name) ?? lock.packages[`node_modules/${name}`]?.version ?? '';
    expect(pin, `${name}: ${pin} is an exact version`).toMatch(/^\d+\.\d+\.\d+$/);
    const disagreeing = [...declared]
      .filter(([, range]) => range !== pin)
      .map(([where, range]) => `${where}: ${range}`);
    expect(disagreeing, `${name}: every declaration is exactly ${pin}`).toEqual([]);
    // The worker SDK inlines the task core, so it carries the core's dependencies in its own manifest.
    if (declared.has('packages/tasks (dependencies)') || declared.has('packages/db (dependencies)')) {
      const sdk =
        declared.get('packages/worker-sdk (dependencies)') ??
        declared.get('packages/worker-sdk (devDependencies)');
      expect(sdk, `${name}: the worker SDK declares it`).toBe(pin);
    }
    expect(lockedVersions(lock, name), `${name}: package-lock.json installs ${pin} only`).toEqual([pin]);
  },
);
